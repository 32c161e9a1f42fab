package io.vmstate.transport;

import io.vmstate.api.VmStateException;
import io.vmstate.stream.MigrationCommand;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import java.io.IOException;
import java.nio.file.Path;

/** Where a raw sender puts QEMU's {@code OPEN_RETURN_PATH} command into a stream file. */
final class ReturnPath {
  private ReturnPath() {}

  /**
   * The offset just after the configuration section (after the header, for a stream without one),
   * where QEMU's source sends the command; -1 when the stream already opens its return path.
   */
  static long insertionPoint(Path file) throws IOException, VmStateException {
    try (StreamSource src = StreamSource.open(file)) {
      var reader = src.reader(ReaderOptions.DEFAULT);
      long after = -1;
      for (StreamEvent e = reader.next(); e != null; e = reader.next()) {
        if (e instanceof StreamEvent.Command c
            && c.command() == MigrationCommand.OPEN_RETURN_PATH) {
          return -1;
        }
        if (e instanceof StreamEvent.Header || e instanceof StreamEvent.Configuration) {
          continue;
        }
        if (after < 0) {
          after = e.offset();
        }
        if (e instanceof StreamEvent.Section s && s.isRam()
            || !(e instanceof StreamEvent.Command)) {
          return after;
        }
      }
      return after;
    }
  }
}
