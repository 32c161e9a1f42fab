package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.MigrationPriority;
import io.vmstate.api.VersionMismatchException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.api.WireType;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.ram.RamSection;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden bytes (reference §8.5), error messages, the registry, truncation at every offset. */
class StreamFormatTest {
  static byte[] hex(String s) {
    return HexFormat.ofDelimiter(" ").parseHex(s);
  }

  static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  static final class GlobalState {
    int size;
    byte[] runstate = new byte[100];

    GlobalState(String state) {
      byte[] b = ascii(state);
      System.arraycopy(b, 0, runstate, 0, b.length);
      size = b.length + 1;
    }
  }

  static final VmStateDescription<GlobalState> GLOBALSTATE =
      VmStateDescription.<GlobalState>named("globalstate")
          .version(1)
          .uint32("size", g -> g.size, (g, v) -> g.size = v)
          .buffer("runstate", g -> g.runstate, 100)
          .build();

  static final class Timer {
    long ticks;
    int enabled;
  }

  static final VmStateDescription<Timer> TIMER =
      VmStateDescription.<Timer>named("timer")
          .version(2)
          .minimumVersion(1)
          .priority(MigrationPriority.GICV3)
          .int64("ticks", t -> t.ticks, (t, v) -> t.ticks = v)
          .int32("enabled", t -> t.enabled, (t, v) -> t.enabled = v)
          .copier(
              new io.vmstate.api.StateCopier<>() {
                @Override
                public Timer copyOf(Timer s) {
                  Timer t = new Timer();
                  t.ticks = s.ticks;
                  t.enabled = s.enabled;
                  return t;
                }

                @Override
                public void copyInto(Timer s, Timer t) {
                  t.ticks = s.ticks;
                  t.enabled = s.enabled;
                }
              })
          .build();

  @Test
  void headerAndConfigurationVector() throws Exception {
    WireOutput out = WireOutput.toBytes();
    MigrationStreamWriter w = new MigrationStreamWriter(out);
    w.header();
    w.configuration(new MachineConfiguration("pc-q35-7.2"));
    assertArrayEquals(
        hex("51 45 56 4d 00 00 00 03 07 00 00 00 0a 70 63 2d 71 33 35 2d 37 2e 32"),
        out.toByteArray());
  }

  @Test
  void capabilitiesSubsectionVector() throws Exception {
    WireOutput out = WireOutput.toBytes();
    MachineConfiguration c =
        new MachineConfiguration("m")
            .setCapabilities(List.of(MachineConfiguration.X_IGNORE_SHARED));
    new MigrationStreamWriter(out).configuration(c);
    byte[] b = out.toByteArray();
    WireOutput expected = WireOutput.toBytes();
    expected.writeBytes(hex("07 00 00 00 01 6d 05 1a"));
    expected.writeBytes(ascii("configuration/capabilities"));
    expected.writeBytes(hex("00 00 00 01 00 00 00 01 0f"));
    expected.writeBytes(ascii("x-ignore-shared"));
    assertArrayEquals(expected.toByteArray(), b);
    MachineConfiguration back = new MachineConfiguration();
    io.vmstate.codec.VmStateCodec.DEFAULT.load(
        MachineConfiguration.DESCRIPTION, back, WireInput.of(b, 1, b.length - 1), 0);
    assertEquals(List.of("x-ignore-shared"), back.capabilities());
  }

  @Test
  void globalstateSectionVector() throws Exception {
    WireOutput out = WireOutput.toBytes();
    new MigrationStreamWriter(out)
        .device(7, "globalstate", 0, GLOBALSTATE, new GlobalState("running"), null);
    WireOutput expected = WireOutput.toBytes();
    expected.writeBytes(hex("04 00 00 00 07 0b"));
    expected.writeBytes(ascii("globalstate"));
    expected.writeBytes(hex("00 00 00 00 00 00 00 01 00 00 00 08"));
    expected.writeBytes(ascii("running"));
    expected.writeZeros(93);
    expected.writeBytes(hex("7e 00 00 00 07"));
    assertArrayEquals(expected.toByteArray(), out.toByteArray());
  }

  @Test
  void commandAndRamEndVectors() throws Exception {
    WireOutput out = WireOutput.toBytes();
    MigrationStreamWriter w = new MigrationStreamWriter(out);
    w.command(MigrationCommand.SWITCHOVER_START, new byte[0]);
    w.sectionHeader(SectionType.END, 2, null);
    RamSection.writeEos(out);
    w.footer(2);
    assertArrayEquals(
        hex("08 00 0b 00 00 03 00 00 00 02 00 00 00 00 00 00 00 10 7e 00 00 00 02"),
        out.toByteArray());
  }

  static DeviceRegistry registry(Timer t, GlobalState g) {
    return new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
        .register("globalstate", 0, GLOBALSTATE, g)
        .register("timer", 0, TIMER, t);
  }

  static byte[] smallStream() throws VmStateException {
    Timer t = new Timer();
    t.ticks = -5;
    t.enabled = 1;
    return registry(t, new GlobalState("running")).saveToBytes();
  }

  @Test
  void registrySavesInPriorityOrderWithVmdesc() throws Exception {
    byte[] data = smallStream();
    MigrationStreamReader r = Fixtures.reader(data, false);
    StringBuilder order = new StringBuilder();
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s) {
        order.append(s.section().idstr()).append('#').append(s.sectionId()).append(' ');
      }
    }
    assertEquals("timer#1 globalstate#0 ", order.toString());
    String json = new String(VmdescLocator.scan(data, 0).json(), "UTF-8");
    assertEquals(
        "{\"page_size\": 4096, \"devices\": [{\"name\": \"timer\", \"instance_id\": 0,"
            + " \"vmsd_name\": \"timer\", \"version\": 2, \"fields\": [{\"name\": \"ticks\","
            + " \"type\": \"int64\", \"size\": 8}, {\"name\": \"enabled\", \"type\": \"int32\","
            + " \"size\": 4}]}, {\"name\": \"globalstate\", \"instance_id\": 0, \"vmsd_name\":"
            + " \"globalstate\", \"version\": 1, \"fields\": [{\"name\": \"size\", \"type\":"
            + " \"uint32\", \"size\": 4}, {\"name\": \"runstate\", \"type\": \"buffer\", \"size\":"
            + " 100}]}]}",
        json);
  }

  @Test
  void registryLoadsBackAndCrossChecks() throws Exception {
    byte[] data = smallStream();
    Timer t = new Timer();
    GlobalState g = new GlobalState("");
    var result =
        registry(t, g)
            .load(
                Fixtures.reader(data, true),
                DeviceRegistry.LoadOptions.DEFAULT.withCrossCheck(true));
    assertEquals(-5, t.ticks);
    assertEquals(1, t.enabled);
    assertEquals(8, g.size);
    assertEquals(2, result.sectionsLoaded());
    assertEquals("virt-7.2", result.configuration().machine());
  }

  @Test
  void crossCheckNamesTheFirstFieldPathThatDiffers() {
    StateRecord a = new StateRecord("timer");
    a.setScalar("ticks", WireType.INT64, 5);
    a.setArray("regs", WireType.UINT32, new int[] {1, 2, 3});
    StateRecord b = new StateRecord("timer");
    b.setScalar("ticks", WireType.INT64, 5);
    b.setArray("regs", WireType.UINT32, new int[] {1, 7, 3});
    assertNull(DeviceRegistry.firstDifference("timer", a, a));
    assertEquals(
        "timer/regs[1]: vmdesc 0x00000002 vs typed 0x00000007",
        DeviceRegistry.firstDifference("timer", a, b));
    StateRecord c = new StateRecord("timer");
    c.setScalar("ticks", WireType.INT64, 5);
    assertEquals(
        "timer/regs[0]: vmdesc 0x00000001 vs typed (no such field)",
        DeviceRegistry.firstDifference("timer", a, c));
    assertEquals(
        "timer/regs[0]: only the typed description has it",
        DeviceRegistry.firstDifference("timer", c, a));
  }

  /** A device without a copier: staged through its generic mirror, applied at commit. */
  static final class Counter {
    int a;
    int added;
    int b;
  }

  static VmStateDescription<Counter> counter(int version) {
    VmStateDescription.Builder<Counter> d =
        VmStateDescription.<Counter>named("counter")
            .version(version)
            .minimumVersion(1)
            .uint32("a", c -> c.a, (c, v) -> c.a = v);
    if (version >= 2) {
      d.uint32("added", c -> c.added, (c, v) -> c.added = v).since(2);
    }
    return d.uint32("b", c -> c.b, (c, v) -> c.b = v).build();
  }

  @Test
  void anOlderVersionLoadsIntoADescriptionWithoutCopierFieldForField() throws Exception {
    Counter old = new Counter();
    old.a = 0x11;
    old.b = 0x22;
    byte[] data =
        new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
            .register("counter", 0, counter(1), old)
            .saveToBytes();
    Counter now = new Counter();
    now.added = 0x99; // not in a version 1 stream: QEMU leaves it as it is
    new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
        .register("counter", 0, counter(2), now)
        .load(Fixtures.reader(data, false), DeviceRegistry.LoadOptions.DEFAULT);
    assertEquals(0x11, now.a);
    assertEquals(0x99, now.added);
    assertEquals(0x22, now.b);
  }

  @Test
  void anUncheckedLoadTakesTheStreamsConfiguration() throws Exception {
    byte[] data = smallStream();
    DeviceRegistry r =
        new DeviceRegistry(new MachineConfiguration())
            .register("globalstate", 0, GLOBALSTATE, new GlobalState(""))
            .register("timer", 0, TIMER, new Timer());
    r.load(
        Fixtures.reader(data, false),
        DeviceRegistry.LoadOptions.DEFAULT.withCheckConfiguration(false));
    assertEquals("virt-7.2", r.configuration().machine());
    assertEquals(12, r.configuration().targetPageBits());
    assertArrayEquals(data, r.saveToBytes(), "the stream saves back as it was");
  }

  @Test
  void aCheckedLoadNamesBothMachineTypes() throws Exception {
    DeviceRegistry r =
        new DeviceRegistry(new MachineConfiguration("pc-q35-7.2").setTargetPageBits(12))
            .register("globalstate", 0, GLOBALSTATE, new GlobalState(""))
            .register("timer", 0, TIMER, new Timer());
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () ->
                r.load(Fixtures.reader(smallStream(), false), DeviceRegistry.LoadOptions.DEFAULT));
    assertTrue(
        e.getMessage().contains("Machine type received is 'virt-7.2' and local is 'pc-q35-7.2'"),
        e.getMessage());
  }

  @Test
  void registryLoadIsAtomic() throws Exception {
    byte[] data = smallStream();
    // Truncate inside the last section (globalstate): the timer decoded fine but must stay as is.
    byte[] cut = java.util.Arrays.copyOf(data, data.length - 300);
    Timer t = new Timer();
    t.ticks = 77;
    GlobalState g = new GlobalState("x");
    assertThrows(
        VmStateDecodeException.class,
        () -> registry(t, g).load(Fixtures.reader(cut, false), DeviceRegistry.LoadOptions.DEFAULT));
    assertEquals(77, t.ticks);
    assertEquals(2, g.size);
  }

  @Test
  void unknownSectionIsNamed() throws Exception {
    byte[] data = smallStream();
    DeviceRegistry only =
        new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
            .register("globalstate", 0, GLOBALSTATE, new GlobalState(""));
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () -> only.load(Fixtures.reader(data, false), DeviceRegistry.LoadOptions.DEFAULT));
    assertTrue(
        e.getMessage().startsWith("Unknown savevm section or instance 'timer' 0."), e.getMessage());
    var res =
        only.load(
            Fixtures.reader(data, false),
            DeviceRegistry.LoadOptions.DEFAULT.withDecodeUnknown(true));
    StateRecord timer = res.unknownSections().values().iterator().next();
    assertEquals(-5, timer.bits("ticks"));
  }

  @Test
  void versionWindowIsChecked() throws Exception {
    VmStateDescription<Timer> v1 =
        VmStateDescription.<Timer>named("timer")
            .version(1)
            .int64("ticks", t -> t.ticks, (t, v) -> t.ticks = v)
            .int32("enabled", t -> t.enabled, (t, v) -> t.enabled = v)
            .build();
    DeviceRegistry reg =
        new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
            .register("globalstate", 0, GLOBALSTATE, new GlobalState(""))
            .register("timer", 0, v1, new Timer());
    VersionMismatchException e =
        assertThrows(
            VersionMismatchException.class,
            () ->
                reg.load(
                    Fixtures.reader(smallStream(), false), DeviceRegistry.LoadOptions.DEFAULT));
    assertTrue(e.getMessage().contains("too new"), e.getMessage());
    assertEquals("timer", e.section().orElseThrow().idstr());
  }

  static void walk(byte[] data, boolean chunk1) throws Exception {
    MigrationStreamReader r = Fixtures.reader(data, chunk1);
    while (r.next() != null) {
      // every body is decoded (devices through the vmdesc) by the reader itself
    }
  }

  @Test
  void truncationAtEveryOffsetIsADecodeError() throws Exception {
    byte[] data = smallStream();
    walk(data, true);
    Fixtures.assertEveryCutIsTyped(data);
  }

  @Test
  void footerMismatchNamesTheSection() throws Exception {
    byte[] data = smallStream();
    // The first section is timer (id 1); its footer's id is the 4 bytes after its 0x7e.
    MigrationStreamReader r = Fixtures.reader(data, false);
    long footer = -1;
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Footer f && f.section().section().idstr().equals("timer")) {
        footer = f.offset();
      }
    }
    byte[] bad = data.clone();
    bad[(int) footer + 4] = 9;
    VmStateDecodeException e = assertThrows(VmStateDecodeException.class, () -> walk(bad, false));
    assertTrue(
        e.getMessage()
            .contains("Mismatched section id in footer for timer - read 0x9 expected 0x1"),
        e.getMessage());
    assertEquals(footer, e.offset());
  }

  @Test
  void headerErrors() {
    assertTrue(
        assertThrows(
                VmStateDecodeException.class, () -> walk(hex("51 45 56 4d 00 00 00 02"), false))
            .getMessage()
            .contains("obsolete"));
    assertTrue(
        assertThrows(
                VmStateDecodeException.class, () -> walk(hex("51 45 56 4d 00 00 00 04"), false))
            .getMessage()
            .contains("Unsupported migration stream version 4"));
    assertTrue(
        assertThrows(
                VmStateDecodeException.class, () -> walk(hex("00 00 00 00 00 00 00 03"), false))
            .getMessage()
            .contains("magic"));
  }

  @Test
  void commandLengthIsChecked() {
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () -> walk(hex("51 45 56 4d 00 00 00 03 08 00 02 00 01 00"), false));
    assertTrue(e.getMessage().contains("PING received with bad length - expecting 4, got 1"));
    assertNotNull(e);
  }
}
