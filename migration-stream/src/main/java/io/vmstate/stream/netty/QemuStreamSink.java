package io.vmstate.stream.netty;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Receives a real QEMU migration stream into a file and verifies all of it before the file is kept.
 *
 * <p>The bytes go straight from the event loop to {@code FILE.partial} ({@link FileReceiver}: no
 * decoder thread keeps up with the network, so the stream moves at the speed of a plain copy). QEMU
 * sends the descriptions of its device sections (the vmdesc JSON) only after the last section, so
 * device sections could not be decoded before the whole stream is in anyway: when the connection
 * ended, the file is read once with its vmdesc, decoding the header, configuration, every RAM and
 * device section and their footers. Only then is it moved into place; a truncated or corrupt stream
 * fails the migration with the reader's typed error and leaves the destination file as it was.
 */
public final class QemuStreamSink {
  private QemuStreamSink() {}

  /** The sink for {@link MigrationDestination#listenRaw}. */
  public static RawStreamSink toFile(Path file) {
    return toFile(file, RawStreamSink.FileCheck.NONE);
  }

  /** {@link #toFile(Path)}, running {@code then} on the verified file before it is moved. */
  public static RawStreamSink toFile(Path file, RawStreamSink.FileCheck then) {
    return new FileReceiver(
        file,
        (partial, done) -> {
          verify(partial, done);
          then.check(partial, done);
        });
  }

  private static void verify(Path partial, Runnable sectionDone)
      throws IOException, VmStateException {
    try (StreamSource src = StreamSource.open(partial, Vmdesc.DEFAULT_MAX_BYTES)) {
      if (src.vmdesc() == null) {
        throw VmStateDecodeException.corrupt(
                "the stream ended without its vmdesc trailer (truncated, or sent with"
                    + " suppress-vmdesc), so its device sections cannot be verified")
            .atOffset(src.size());
      }
      MigrationStreamReader reader = src.reader(ReaderOptions.DEFAULT);
      StreamEvent e;
      while ((e = reader.next()) != null) {
        if (e instanceof StreamEvent.Footer f && !f.section().isRam()) {
          sectionDone.run();
        }
      }
    }
  }
}
