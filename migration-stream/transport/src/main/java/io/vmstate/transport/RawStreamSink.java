package io.vmstate.transport;

import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Consumes a raw migration stream as it arrives, on a decoder thread of its own. {@code stream}
 * blocks until bytes arrive and ends when the peer closes the connection; it throws an {@link
 * IOException} if the connection fails. Call {@code sectionDone} once per decoded section, for
 * progress reporting.
 */
@FunctionalInterface
public interface RawStreamSink {
  /**
   * Reads {@code stream} to its end, calling {@code sectionDone} per decoded section; a decode
   * failure is a typed {@link VmStateException}.
   */
  void consume(InputStream stream, Runnable sectionDone) throws IOException, VmStateException;

  /**
   * Copies the whole stream to {@code file}, replacing it only once the stream ended cleanly; a
   * {@link MigrationDestination} writes it from the event loop ({@link FileReceiver}).
   */
  static RawStreamSink toFile(Path file) {
    return new FileReceiver(file, null, FileCheck.NONE);
  }

  /** Checks a completely received stream file before it is moved into place. */
  @FunctionalInterface
  interface FileCheck {
    FileCheck NONE = (partial, done) -> {};

    /**
     * Checks {@code partial}, the received file before its rename; throwing keeps it from being
     * moved into place.
     */
    void check(Path partial, Runnable sectionDone) throws IOException, VmStateException;
  }

  /**
   * Hands the stream to {@code decoder} while copying every byte it reads to {@code file}; bytes
   * the decoder leaves unread are copied too. The file is written next to its final name ({@code
   * NAME.partial}) and moved into place only when the decoder succeeded, the connection ended
   * cleanly and {@code check} accepted the whole file: a failed migration leaves {@code file} as it
   * was.
   */
  static RawStreamSink tee(Path file, RawStreamSink decoder, FileCheck check) {
    return (in, done) -> {
      Path abs = file.toAbsolutePath();
      Path tmp = abs.resolveSibling(abs.getFileName() + ".partial");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        InputStream copying = new TeeInputStream(in, out);
        decoder.consume(copying, done);
        copying.transferTo(OutputStream.nullOutputStream());
      } catch (IOException | VmStateException | RuntimeException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      try {
        check.check(tmp, done);
      } catch (IOException | VmStateException | RuntimeException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    };
  }
}
