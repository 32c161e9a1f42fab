package io.vmstate.transport;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A framed destination that records what it receives as a device-state stream file (QEMU's layout
 * for {@code qemu_save_device_state}: header, one FULL section per device, with a footer when the
 * source's stream had them, EOF; no configuration, no RAM, no vmdesc). It accepts every device it
 * is offered (duplicates aside): it has no device model to check versions against. The file
 * appears, complete, only on apply.
 */
public final class DeviceStateFileTarget implements MigrationTarget {
  private final Path file;

  /** A target that writes the received devices to {@code file} on apply. */
  public DeviceStateFileTarget(Path file) {
    this.file = file.toAbsolutePath();
  }

  @Override
  public List<Problem> preflight(List<DeviceInfo> announced) {
    return Preflight.check(announced, announced.stream().distinct().toList());
  }

  @Override
  public void apply(List<SectionData> sections) throws VmStateException {
    apply(sections, true);
  }

  /** Writes the file with section footers exactly when the source's stream had them. */
  @Override
  public void apply(List<SectionData> sections, boolean sectionFooters) throws VmStateException {
    Path tmp = file.resolveSibling(file.getFileName() + ".partial");
    try {
      try (OutputStream os = Files.newOutputStream(tmp)) {
        DeviceSections.write(WireOutput.to(os), sections, sectionFooters);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(tmp, e);
      throw MigrationTransportException.localIo("writing " + file, e);
    } catch (VmStateException e) {
      deleteQuietly(tmp, e);
      throw e;
    }
  }

  private static void deleteQuietly(Path tmp, Exception failure) {
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
