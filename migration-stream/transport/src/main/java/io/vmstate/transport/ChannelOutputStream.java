package io.vmstate.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An output stream onto a channel for one producer thread. Bytes are gathered into chunks of {@code
 * chunkSize}; before each chunk is written, the producer waits until the channel is writable, so at
 * most the channel's high water mark plus one chunk is ever queued. {@link #writabilityChanged} and
 * {@link #fail} are called from the event loop to wake the producer.
 */
final class ChannelOutputStream extends OutputStream {
  private final Channel channel;
  private final int chunkSize;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private ByteBuf chunk;
  private Throwable failure;
  private boolean closed;
  private long written;

  ChannelOutputStream(Channel channel, int chunkSize) {
    this.channel = channel;
    this.chunkSize = chunkSize;
  }

  /** Event loop: the channel's writability flipped or it closed. */
  void writabilityChanged() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Event loop (or a write listener): the connection failed; the producer's next write throws. */
  void fail(Throwable cause) {
    lock.lock();
    try {
      if (failure == null) {
        failure = cause;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Bytes handed to the channel so far. */
  long written() {
    return written;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (closed) {
      throw new IOException("stream closed");
    }
    while (len > 0) {
      if (chunk == null) {
        chunk = channel.alloc().ioBuffer(chunkSize, chunkSize);
      }
      int n = Math.min(len, chunk.writableBytes());
      chunk.writeBytes(b, off, n);
      off += n;
      len -= n;
      if (!chunk.isWritable()) {
        push();
      }
    }
  }

  @Override
  public void flush() throws IOException {
    if (chunk != null && chunk.isReadable()) {
      push();
    }
  }

  /** Flushes the last chunk. Does not close the channel. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      flush();
    } finally {
      closed = true;
      if (chunk != null) {
        chunk.release();
        chunk = null;
      }
    }
  }

  private void push() throws IOException {
    ByteBuf out = chunk;
    chunk = null;
    try {
      awaitWritable();
    } catch (IOException e) {
      out.release();
      throw e;
    }
    int n = out.readableBytes();
    channel
        .writeAndFlush(out)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                fail(f.cause());
              }
            });
    written += n;
  }

  private void awaitWritable() throws IOException {
    lock.lock();
    try {
      while (failure == null && channel.isActive() && !channel.isWritable()) {
        changed.awaitUninterruptibly();
      }
      if (failure != null) {
        throw new ChannelInputStream.Failed(failure);
      }
      if (!channel.isActive()) {
        throw new ChannelInputStream.Failed(new java.nio.channels.ClosedChannelException());
      }
    } finally {
      lock.unlock();
    }
  }
}
