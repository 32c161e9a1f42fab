package io.vmstate.transport;

import io.vmstate.stream.ReaderOptions;
import java.nio.file.Path;

/**
 * Receives a real QEMU migration stream into a file, decoding it as it arrives, and keeps the file
 * only once all of it decoded.
 *
 * <p>Each received buffer is written to {@code FILE.partial} and then decoded in place, on the
 * event loop ({@link FileReceiver}, {@link IncrementalDecoder}): the header, the configuration,
 * every RAM section record by record (page contents are skipped where they lie in the received
 * buffers, never copied) and every footer as soon as their bytes are in. QEMU sends the
 * descriptions of its device sections (the vmdesc JSON) only after the last section, so the first
 * device section stops the decoding until the stream has ended; the rest (device sections, RAM END,
 * EOF, the vmdesc) is then decoded from the received file, with its vmdesc, on a decoder thread.
 * Only then is the file moved into place; a truncated or corrupt stream fails the migration with
 * the reader's typed error (at the first bad byte for everything decoded as it arrives), deletes
 * the partial file and leaves the destination file as it was.
 */
public final class QemuStreamSink {
  private QemuStreamSink() {}

  /** The sink for {@link MigrationDestination#listenRaw}. */
  public static RawStreamSink toFile(Path file) {
    return toFile(file, RawStreamSink.FileCheck.NONE);
  }

  /** {@link #toFile(Path)}, running {@code then} on the decoded file before it is moved. */
  public static RawStreamSink toFile(Path file, RawStreamSink.FileCheck then) {
    return receiver(file, then);
  }

  static FileReceiver receiver(Path file, RawStreamSink.FileCheck then) {
    return new FileReceiver(
        file,
        done ->
            new IncrementalDecoder(
                ReaderOptions.DEFAULT, IncrementalDecoder.Sections.VMDESC, done, true),
        then);
  }
}
