package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.StateCopier;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.WireOutput;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A registry save proves its stream reads back to the registered values before it is used. */
class RegistrySaveCheckTest {
  static final class Gauge {
    int level;
    int nmi;

    Gauge(int level) {
      this.level = level;
    }
  }

  static final StateCopier<Gauge> COPIER =
      StateCopier.of(
          g -> {
            Gauge c = new Gauge(g.level);
            c.nmi = g.nmi;
            return c;
          },
          (from, to) -> {
            to.level = from.level;
            to.nmi = from.nmi;
          });

  /** A subsection added after QEMU 7.2, sent when {@code nmi} is set. */
  static VmStateDescription<Gauge> gauge(boolean asymmetric) {
    VmStateDescription.Builder<Gauge> b =
        VmStateDescription.<Gauge>named("gauge")
            .version(1)
            .uint32("level", g -> g.level, (g, v) -> g.level = v)
            .subsection(
                VmStateDescription.<Gauge>named("gauge/nmi")
                    .version(1)
                    .introducedIn(QemuRelease.QEMU_9_1)
                    .needed(g -> g.nmi != 0)
                    .uint32("nmi", g -> g.nmi, (g, v) -> g.nmi = v)
                    .build())
            .copier(COPIER);
    if (asymmetric) {
      // A post_load that is not the inverse of what was saved: loading doubles the level.
      b.postLoad((g, version) -> g.level *= 2);
    }
    return b.build();
  }

  static DeviceRegistry registry(boolean asymmetric, Gauge g) {
    return new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
        .register("timer", 0, StreamFormatTest.TIMER, new StreamFormatTest.Timer())
        .register("gauge", 0, gauge(asymmetric), g);
  }

  @Test
  void aSymmetricSaveIsCheckedAndKept(@TempDir Path dir) throws Exception {
    Gauge g = new Gauge(5);
    g.nmi = 1;
    DeviceRegistry r = registry(false, g);
    byte[] bytes = r.saveToBytes();
    Path file = dir.resolve("state.bin");
    r.save(file, null);
    assertArrayEquals(bytes, Files.readAllBytes(file));
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    r.save(WireOutput.to(sink));
    assertArrayEquals(bytes, sink.toByteArray());
    assertEquals(List.of(file), files(dir));
  }

  @Test
  void anAsymmetricEncoderIsRefusedNamingSectionAndField(@TempDir Path dir) throws Exception {
    DeviceRegistry r = registry(true, new Gauge(5));
    VmStateEncodeException e = assertThrows(VmStateEncodeException.class, r::saveToBytes);
    assertTrue(
        e.getMessage().contains("field gauge:0/level would change from 0x00000005 to 0x0000000a"),
        e.getMessage());
    assertEquals("gauge", e.section().orElseThrow().idstr());

    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    assertThrows(VmStateEncodeException.class, () -> r.save(WireOutput.to(sink)));
    assertEquals(0, sink.size(), "nothing reaches the output");

    Path file = dir.resolve("state.bin");
    assertThrows(VmStateEncodeException.class, () -> r.save(file, null));
    assertEquals(List.of(), files(dir), "no file, no temporary file");

    Files.write(file, new byte[] {1, 2, 3});
    assertThrows(VmStateEncodeException.class, () -> r.save(file, null));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file), "the old file is kept");
    assertEquals(List.of(file), files(dir));
  }

  @Test
  void aDownLevelSaveMayLeaveOutOnlyDefaults(@TempDir Path dir) throws Exception {
    Gauge g = new Gauge(7);
    DeviceRegistry r = registry(false, g);
    Path file = dir.resolve("old.bin");
    r.save(file, QemuRelease.QEMU_7_2);
    assertFalse(
        new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)
            .contains("gauge/nmi"));
    g.nmi = 3;
    assertThrows(VmStateEncodeException.class, () -> r.save(file, QemuRelease.QEMU_7_2));
  }

  /**
   * Every committed QEMU fixture's device sections, registered with the descriptions its vmdesc
   * gives and saved again: the check passes and the stream reads back to the same values.
   */
  @ParameterizedTest
  @MethodSource("io.vmstate.stream.Fixtures#names")
  void aRegistryOfQemuSectionsSavesChecked(String name) throws Exception {
    byte[] data = Fixtures.stream(name);
    MigrationStreamReader r = Fixtures.reader(data, false);
    DeviceRegistry registry = null;
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Configuration c) {
        registry = new DeviceRegistry(c.configuration());
      } else if (e instanceof StreamEvent.Section s && s.isRam()) {
        r.readRam(io.vmstate.stream.ram.RamSink.SKIP);
      } else if (e instanceof StreamEvent.Section s) {
        VmStateDescription<StateRecord> d = r.schemaFor(s.section());
        StateRecord rec = new StateRecord(d.name());
        r.readDevice(d, rec);
        registry.register(s.section().idstr(), s.section().instanceId(), d, rec);
      }
    }
    byte[] saved = registry.saveToBytes();
    DeviceRegistry back = new DeviceRegistry(registry.configuration());
    for (DeviceRegistry.Registered<?> d : registry.devices()) {
      @SuppressWarnings("unchecked")
      VmStateDescription<StateRecord> desc = (VmStateDescription<StateRecord>) d.description();
      back.register(d.idstr(), d.instanceId(), desc, new StateRecord(desc.name()));
    }
    back.load(Fixtures.reader(saved, false), DeviceRegistry.LoadOptions.DEFAULT);
    assertEquals(registry.flattenedState(), back.flattenedState());
  }

  private static List<Path> files(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
