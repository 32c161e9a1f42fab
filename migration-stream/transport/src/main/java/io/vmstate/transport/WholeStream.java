package io.vmstate.transport;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole QEMU stream file as a framed source: every byte of it (header, configuration, every
 * section including RAM, EOF, vmdesc) travels in CRC32C-checked stream chunks, and the destination
 * ({@link StreamFileTarget}) writes exactly these bytes, decoding them as they arrive. The Hello
 * announces the file's device sections (at the version they were saved at), so the destination's
 * pre-flight runs as for a device-state session. The file is decoded once, with its vmdesc, before
 * anything is sent: a stream that does not decode is refused at the source.
 */
public final class WholeStream {
  private final Path file;
  private final long size;
  private final List<DeviceInfo> devices;

  /** Unverified: tests use it to send a stream the source would refuse. */
  WholeStream(Path file, long size, List<DeviceInfo> devices) {
    this.file = file;
    this.size = size;
    this.devices = List.copyOf(devices);
  }

  /**
   * Reads and verifies {@code file}; its bytes are read again, chunk by chunk, as they are sent.
   */
  public static WholeStream open(Path file) throws IOException, VmStateException {
    List<DeviceInfo> devices = new ArrayList<>();
    try (StreamSource src = StreamSource.open(file, Vmdesc.DEFAULT_MAX_BYTES)) {
      for (DeviceSections.Span s : DeviceSections.scan(src.reader(ReaderOptions.DEFAULT))) {
        SectionRef ref = s.section().section();
        devices.add(DeviceInfo.of(ref.idstr(), ref.instanceId(), ref.versionId(), ref.versionId()));
      }
    }
    return new WholeStream(file.toAbsolutePath(), Files.size(file), devices);
  }

  public Path file() {
    return file;
  }

  /** The file's length: the bytes the session carries. */
  public long size() {
    return size;
  }

  /** The stream's device sections (all FULL sections but RAM), in stream order. */
  public List<DeviceInfo> devices() {
    return devices;
  }
}
