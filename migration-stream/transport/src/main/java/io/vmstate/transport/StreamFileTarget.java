package io.vmstate.transport;

import io.vmstate.api.VmStateException;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A framed destination that writes what it receives to a file. From a {@link WholeStream} source
 * the file becomes the source's stream, byte for byte (so it has its vmdesc and reads like any
 * stream QEMU wrote): the bytes are written to {@code FILE.partial} and decoded as they arrive
 * ({@link QemuStreamSink}: header, configuration, RAM as it comes, device sections once the vmdesc
 * is in), and the file is moved into place only when every section decoded and the session's totals
 * agree. From a device-state source ({@link StreamFileSections}, a registry snapshot) it writes a
 * device-state stream (see {@link DeviceStateFileTarget}), but only if it was made with {@code
 * deviceStateOnly}, and only once every section decoded ({@link DeviceSections#decode}): with our
 * typed descriptions and the vmdesc given (another stream of the same QEMU and machine), since a
 * device-state session carries no vmdesc; a section nothing here decodes refuses the session, and
 * no file is written.
 */
public final class StreamFileTarget implements MigrationTarget, StreamTarget {
  private final Path file;
  private final boolean deviceStateOnly;
  private final Vmdesc descriptions;

  /** A target without descriptions beyond our typed ones (see the three-argument constructor). */
  public StreamFileTarget(Path file, boolean deviceStateOnly) {
    this(file, deviceStateOnly, null);
  }

  /**
   * @param deviceStateOnly also accept device-state sessions (written as a device-state stream once
   *     every section decoded)
   * @param descriptions a vmdesc describing the devices of a device-state session (null: only our
   *     typed descriptions)
   */
  public StreamFileTarget(Path file, boolean deviceStateOnly, Vmdesc descriptions) {
    this.file = file.toAbsolutePath();
    this.deviceStateOnly = deviceStateOnly;
    this.descriptions = descriptions;
  }

  @Override
  public List<Problem> preflight(List<DeviceInfo> announced) {
    return Preflight.check(announced, announced.stream().distinct().toList());
  }

  @Override
  public void apply(List<SectionData> sections) throws VmStateException {
    apply(sections, true);
  }

  @Override
  public void apply(List<SectionData> sections, boolean sectionFooters) throws VmStateException {
    DeviceSections.decode(sections, descriptions, sectionFooters);
    new DeviceStateFileTarget(file).apply(sections, sectionFooters);
  }

  @Override
  public EventLoopSink.Reception openStream(Runnable sectionDone, RawStreamSink.FileCheck check)
      throws IOException {
    return QemuStreamSink.receiver(file, check).keepingOnlyDecoded().open(sectionDone);
  }

  @Override
  public boolean takesDeviceStateOnly() {
    return deviceStateOnly;
  }
}
