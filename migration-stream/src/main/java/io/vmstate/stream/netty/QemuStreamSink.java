package io.vmstate.stream.netty;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Receives a real QEMU migration stream into a file, decoding it as it arrives and verifying all of
 * it before the file is kept.
 *
 * <p>While the stream arrives, {@link MigrationStreamReader} checks the header, the configuration
 * and every RAM section (the bulk of a precopy stream), with its footers. QEMU sends the
 * descriptions of its device sections (the vmdesc JSON) only after the last section, so device
 * sections cannot be decoded before the whole stream is in: from the first device section on the
 * bytes are only copied, and when the connection ended the file is read once more with its vmdesc,
 * decoding every section. Only then is it moved into place; a truncated or corrupt stream fails the
 * migration with the reader's typed error and leaves the destination file as it was.
 */
public final class QemuStreamSink {
  private QemuStreamSink() {}

  /** The sink for {@link MigrationDestination#listenRaw}. */
  public static RawStreamSink toFile(Path file) {
    return toFile(file, RawStreamSink.FileCheck.NONE);
  }

  /** {@link #toFile(Path)}, running {@code then} on the verified file before it is moved. */
  public static RawStreamSink toFile(Path file, RawStreamSink.FileCheck then) {
    return RawStreamSink.tee(
        file,
        QemuStreamSink::decodeWhileArriving,
        (partial, done) -> {
          verify(partial, done);
          then.check(partial, done);
        });
  }

  private static void decodeWhileArriving(java.io.InputStream in, Runnable sectionDone)
      throws VmStateException {
    MigrationStreamReader reader =
        new MigrationStreamReader(WireInput.of(in, 256 * 1024), ReaderOptions.DEFAULT);
    StreamEvent e;
    while ((e = reader.next()) != null) {
      if (e instanceof StreamEvent.Section s && !s.isRam()) {
        return;
      }
      if (e instanceof StreamEvent.Footer) {
        sectionDone.run();
      }
    }
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
