package io.vmstate.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded pipe from a channel to one reading thread. The event loop {@link #offer}s the buffers
 * it reads; {@link #readMore} says, at the end of each read burst, whether the channel may keep
 * reading on its own: once {@code limit} bytes are waiting, the event loop turns {@code AUTO_READ}
 * off until the reader has drained half of them, and the reader then has the event loop turn it
 * back on. So the peer is held back by TCP flow control, and at most {@code limit} plus one read
 * burst is buffered, whatever the stream's size.
 *
 * <p>When the connection ends, reads drain what is buffered and then return -1; when it failed,
 * they then throw a {@link Failed} carrying the cause. {@link #close} releases every buffer.
 */
final class ChannelInputStream extends InputStream {
  /** The connection failed; {@link #getCause()} is what the channel reported. */
  static final class Failed extends IOException {
    private static final long serialVersionUID = 1L;

    Failed(Throwable cause) {
      super("the migration connection failed: " + cause, cause);
    }
  }

  private final Channel channel;
  private final int limit;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
  private long buffered;
  private long consumed;
  private boolean ended;
  private Throwable failure;
  private boolean closed;
  private boolean paused;
  private boolean waiting;

  ChannelInputStream(Channel channel, int limit) {
    this.channel = channel;
    this.limit = limit;
  }

  /** Event loop: takes ownership of {@code buf}. */
  void offer(ByteBuf buf) {
    lock.lock();
    try {
      if (closed || ended) {
        buf.release();
        return;
      }
      queue.add(buf);
      buffered += buf.readableBytes();
      if (waiting) {
        changed.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Event loop, at the end of a read burst: true to read again now; false pauses reading. */
  boolean readMore() {
    lock.lock();
    try {
      if (closed || ended) {
        return false;
      }
      paused = buffered >= limit;
      return !paused;
    } finally {
      lock.unlock();
    }
  }

  /** Event loop: the peer closed the connection ({@code cause == null}) or it failed. */
  void end(Throwable cause) {
    lock.lock();
    try {
      if (!ended) {
        ended = true;
        failure = cause;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Stream bytes handed to the reader so far. */
  long consumed() {
    lock.lock();
    try {
      return consumed;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    boolean resume = false;
    int n;
    lock.lock();
    try {
      while (queue.isEmpty() && !ended && !closed) {
        waiting = true;
        changed.awaitUninterruptibly();
        waiting = false;
      }
      if (closed) {
        throw new IOException("stream closed");
      }
      if (queue.isEmpty()) {
        if (failure != null) {
          throw new Failed(failure);
        }
        return -1;
      }
      ByteBuf head = queue.peek();
      n = Math.min(len, head.readableBytes());
      head.readBytes(b, off, n);
      if (!head.isReadable()) {
        queue.poll().release();
      }
      buffered -= n;
      consumed += n;
      if (paused && buffered <= limit / 2) {
        paused = false;
        resume = true;
      }
    } finally {
      lock.unlock();
    }
    if (resume) {
      // On the event loop, after the read burst that paused: it reads on its own again.
      channel.eventLoop().execute(() -> channel.config().setAutoRead(true));
    }
    return n;
  }

  @Override
  public int available() {
    lock.lock();
    try {
      return (int) Math.min(Integer.MAX_VALUE, buffered);
    } finally {
      lock.unlock();
    }
  }

  /** Releases every buffered byte; later reads fail. Does not close the channel. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      ByteBuf b;
      while ((b = queue.poll()) != null) {
        b.release();
      }
      buffered = 0;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
