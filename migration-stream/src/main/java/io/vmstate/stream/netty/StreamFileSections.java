package io.vmstate.stream.netty;

import io.vmstate.api.VmStateException;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.SectionType;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The device sections of a QEMU stream file as a {@link SectionSource}: every FULL section except
 * RAM, announced at the version it was saved at (the file does not say the oldest version it can be
 * read as, so that is announced as the same version). The file is decoded once, with its vmdesc, to
 * find and verify the sections; their bodies are then read from the file one at a time as the
 * channel takes them.
 */
public final class StreamFileSections {
  private StreamFileSections() {}

  private record Span(SectionData header, long bodyOffset, long bodyEnd) {}

  /** Reads and verifies {@code file}; the returned source reads section bodies lazily. */
  public static SectionSource open(Path file) throws IOException, VmStateException {
    List<Span> spans = new ArrayList<>();
    List<DeviceInfo> devices = new ArrayList<>();
    try (StreamSource src = StreamSource.open(file, Vmdesc.DEFAULT_MAX_BYTES)) {
      MigrationStreamReader r = src.reader(ReaderOptions.DEFAULT);
      for (StreamEvent e = r.next(); e != null; e = r.next()) {
        if (e instanceof StreamEvent.Footer f
            && f.section().type() == SectionType.FULL
            && !f.section().isRam()) {
          StreamEvent.Section s = f.section();
          devices.add(
              DeviceInfo.of(
                  s.section().idstr(),
                  s.section().instanceId(),
                  s.section().versionId(),
                  s.section().versionId()));
          spans.add(
              new Span(
                  new SectionData(s.sectionId(), s.section(), com.google.protobuf.ByteString.EMPTY),
                  s.bodyOffset(),
                  f.offset()));
        }
      }
    }
    return new SectionSource() {
      private int next;

      @Override
      public List<DeviceInfo> devices() {
        return devices;
      }

      @Override
      public SectionData next() throws VmStateException {
        if (next == spans.size()) {
          return null;
        }
        Span s = spans.get(next++);
        byte[] body = new byte[Math.toIntExact(s.bodyEnd() - s.bodyOffset())];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
          f.seek(s.bodyOffset());
          f.readFully(body);
        } catch (IOException e) {
          throw MigrationTransportException.localIo("reading " + file, e);
        }
        return SectionData.of(s.header().sectionId(), s.header().ref(), body);
      }
    };
  }
}
