package io.vmstate.stream.netty;

import static com.google.common.base.Preconditions.checkNotNull;

import io.netty.buffer.ByteBuf;
import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A raw sink that receives a stream into a file: {@code FILE.partial} while it arrives, then a
 * {@link RawStreamSink.FileCheck} over the complete file, then an atomic move to {@code FILE}. A
 * failed migration (or check) deletes the partial file and leaves {@code FILE} as it was.
 *
 * <p>{@link MigrationDestination} does not hand this sink's bytes to a decoder thread: the event
 * loop writes every received buffer straight to the file channel (no copy through the Java heap, no
 * thread hand-off), and only the check runs on a decoder thread, once the peer closed the
 * connection. Used as a plain {@link RawStreamSink} it copies from the stream instead.
 */
public final class FileReceiver implements RawStreamSink {
  private final Path file;
  private final FileCheck check;

  FileReceiver(Path file, FileCheck check) {
    this.file = checkNotNull(file, "file").toAbsolutePath();
    this.check = checkNotNull(check, "check");
  }

  public Path file() {
    return file;
  }

  @Override
  public void consume(InputStream stream, Runnable sectionDone)
      throws IOException, VmStateException {
    Receiving r = open();
    try (OutputStream out = Files.newOutputStream(r.partial)) {
      stream.transferTo(out);
    } catch (IOException | RuntimeException e) {
      r.abort();
      throw e;
    }
    r.complete(sectionDone);
  }

  /** Starts one reception: creates (truncates) {@code FILE.partial}. */
  Receiving open() throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    return new Receiving(
        partial,
        FileChannel.open(
            partial,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING));
  }

  /** One reception in progress; {@link #write} on the event loop, then complete or abort. */
  final class Receiving {
    private final Path partial;
    private final FileChannel channel;
    private long bytes;

    private Receiving(Path partial, FileChannel channel) {
      this.partial = partial;
      this.channel = channel;
    }

    long bytes() {
      return bytes;
    }

    /** Writes all readable bytes of {@code buf} (which stays the caller's). */
    void write(ByteBuf buf) throws IOException {
      int n = buf.readableBytes();
      if (buf.nioBufferCount() == 1) {
        ByteBuffer b = buf.internalNioBuffer(buf.readerIndex(), n);
        while (b.hasRemaining()) {
          channel.write(b);
        }
      } else {
        for (ByteBuffer b : buf.nioBuffers()) {
          while (b.hasRemaining()) {
            channel.write(b);
          }
        }
      }
      bytes += n;
    }

    /** The stream ended cleanly: check the whole file and move it into place. */
    void complete(Runnable sectionDone) throws IOException, VmStateException {
      try {
        channel.close();
        check.check(partial, sectionDone);
        Files.move(
            partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | VmStateException | RuntimeException e) {
        abort(e);
        throw e;
      }
    }

    /** The migration failed: drop the partial file. */
    void abort() {
      abort(null);
    }

    private void abort(Exception failure) {
      try {
        channel.close();
        Files.deleteIfExists(partial);
      } catch (IOException e) {
        if (failure != null) {
          failure.addSuppressed(e);
        }
      }
    }
  }
}
