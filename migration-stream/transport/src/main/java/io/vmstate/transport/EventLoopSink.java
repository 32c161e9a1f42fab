package io.vmstate.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A raw sink that a {@link MigrationDestination} feeds on the channel's event loop: each received
 * buffer is handed to {@link Reception#write} as it arrives (written to a file, decoded in place),
 * with no decoder thread and no copy into a pipe; only {@link Reception#complete}, once the peer
 * closed the connection, runs on a decoder thread. Used as a plain {@link RawStreamSink}, it reads
 * the stream in 64 KiB pieces and does the same.
 */
interface EventLoopSink extends RawStreamSink {
  /** One reception in progress. */
  interface Reception {
    /** Event loop: takes the readable bytes of {@code buf} (which stays the caller's). */
    void write(ByteBuf buf) throws IOException, VmStateException;

    /** Bytes written so far. */
    long bytes();

    /** The peer closed the connection: finish (decode what is left, keep the result). */
    void complete() throws IOException, VmStateException;

    /** The migration failed: drop what was received; nothing is kept or applied. */
    void abort();
  }

  /** Starts one reception; {@code sectionDone} runs once per section decoded. */
  Reception open(Runnable sectionDone) throws IOException;

  @Override
  default void consume(InputStream stream, Runnable sectionDone)
      throws IOException, VmStateException {
    Reception r = open(sectionDone);
    try {
      byte[] chunk = new byte[64 * 1024];
      for (int n; (n = stream.read(chunk)) >= 0; ) {
        ByteBuf b = Unpooled.wrappedBuffer(chunk, 0, n);
        try {
          r.write(b);
        } finally {
          b.release();
        }
      }
      r.complete();
    } catch (IOException | VmStateException | RuntimeException e) {
      r.abort();
      throw e;
    }
  }
}
