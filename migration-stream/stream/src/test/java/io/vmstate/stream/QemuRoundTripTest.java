package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real QEMU: a stream QEMU wrote is decoded into registry records, a GIC register is changed, and
 * the stream our registry writes from those records (not QEMU's bytes) is loaded by QEMU with
 * {@code -incoming}; qtest reads show both QEMU's and our values.
 */
class QemuRoundTripTest {
  static final String MACHINE = "virt,gic-version=3";
  static final long GICD = 0x08000000L;

  @BeforeAll
  static void qemu() {
    Qemu.assumeInstalled();
  }

  @Test
  void registryStreamLoadsInQemu(@TempDir Path dir) throws Exception {
    Path fromQemu = dir.resolve("a.qemu");
    try (Qemu a = new Qemu(dir, MACHINE, 2)) {
      a.writel(GICD + 0x420, 0xa0a0a0a0);
      a.migrateTo(fromQemu);
    }
    byte[] data = Files.readAllBytes(fromQemu);
    MigrationStreamReader r =
        new MigrationStreamReader(
            WireInput.of(data), ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(data, 0)));
    DeviceRegistry registry = null;
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Configuration c) {
        registry = new DeviceRegistry(c.configuration());
      } else if (e instanceof StreamEvent.Section s && !s.isRam()) {
        VmStateDescription<StateRecord> d = r.schemaFor(s.section());
        StateRecord rec = new StateRecord(d.name());
        r.readDevice(d, rec);
        registry.register(s.section().idstr(), s.section().instanceId(), d, rec);
        if (s.section().idstr().equals("arm_gicv3")) {
          // gicd_ipriority is indexed by IRQ; priority of IRQ 40 = byte 0x428 - 0x400.
          FieldAssignment.parse("arm_gicv3/gicd_ipriority[40]=0x5a", "arm_gicv3").apply(rec);
        }
      }
    }
    Path ours = dir.resolve("ours.qemu");
    try (OutputStream out = Files.newOutputStream(ours)) {
      registry.save(WireOutput.to(out));
    }
    try (Qemu b = new Qemu(dir, MACHINE, 2, "-incoming", "exec:cat " + ours)) {
      b.waitFor("info status", "paused");
      b.waitFor("info migrate", "completed");
      assertEquals(0xa0a0a0a0L, b.readl(GICD + 0x420));
      assertEquals(0x5aL, b.readl(GICD + 0x428) & 0xff);
    }
  }
}
