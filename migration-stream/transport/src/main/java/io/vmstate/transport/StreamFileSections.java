package io.vmstate.transport;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
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

  /** Reads and verifies {@code file}; the returned source reads section bodies lazily. */
  public static SectionSource open(Path file) throws IOException, VmStateException {
    List<DeviceSections.Span> spans;
    boolean footers;
    try (StreamSource src = StreamSource.open(file, Vmdesc.DEFAULT_MAX_BYTES)) {
      MigrationStreamReader reader = src.reader(ReaderOptions.DEFAULT);
      spans = DeviceSections.scan(reader);
      footers = !Boolean.FALSE.equals(reader.footers());
    }
    List<DeviceInfo> devices = new ArrayList<>();
    for (DeviceSections.Span s : spans) {
      SectionRef ref = s.section().section();
      devices.add(DeviceInfo.of(ref.idstr(), ref.instanceId(), ref.versionId(), ref.versionId()));
    }
    return new SectionSource() {
      private int next;

      @Override
      public List<DeviceInfo> devices() {
        return devices;
      }

      @Override
      public boolean sectionFooters() {
        return footers;
      }

      @Override
      public SectionData next() throws VmStateException {
        if (next == spans.size()) {
          return null;
        }
        DeviceSections.Span s = spans.get(next++);
        byte[] body = new byte[s.length()];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
          f.seek(s.bodyOffset());
          f.readFully(body);
        } catch (IOException e) {
          throw MigrationTransportException.localIo("reading " + file, e);
        }
        return SectionData.of(s.section().sectionId(), s.section().section(), body);
      }
    };
  }
}
