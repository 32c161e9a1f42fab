package io.vmstate.stream;

import static io.vmstate.stream.StreamFormatTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VersionMismatchException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.DeviceRegistry.SectionBody;
import io.vmstate.stream.StreamFormatTest.Counter;
import io.vmstate.stream.StreamFormatTest.GlobalState;
import io.vmstate.stream.StreamFormatTest.Timer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry's per-section save and load: the unit the framed transport moves. */
class RegistrySectionsTest {
  private static DeviceRegistry registry(Timer t, GlobalState g) {
    return StreamFormatTest.registry(t, g);
  }

  private static Timer timer(long ticks, int enabled) {
    Timer t = new Timer();
    t.ticks = ticks;
    t.enabled = enabled;
    return t;
  }

  @Test
  void sectionsAreTheSavedBodiesInSaveOrder() throws Exception {
    DeviceRegistry r = registry(timer(-5, 1), new GlobalState("running"));
    List<SectionBody> sections = r.saveSections(null);

    assertEquals(2, sections.size());
    assertEquals(new SectionRef("timer", 0, 2), sections.get(0).ref());
    assertEquals(1, sections.get(0).sectionId());
    assertArrayEquals(hex("ff ff ff ff ff ff ff fb 00 00 00 01"), sections.get(0).body());
    assertEquals(new SectionRef("globalstate", 0, 1), sections.get(1).ref());
    assertEquals(0, sections.get(1).sectionId());
    byte[] global = new byte[104];
    System.arraycopy(hex("00 00 00 08 72 75 6e 6e 69 6e 67"), 0, global, 0, 11);
    assertArrayEquals(global, sections.get(1).body());

    // The same bytes as the whole stream's section bodies, in the same order.
    MigrationStreamReader reader = Fixtures.reader(r.saveToBytes(), false);
    byte[] stream = r.saveToBytes();
    List<byte[]> bodies = new ArrayList<>();
    for (StreamEvent e = reader.next(); e != null; e = reader.next()) {
      if (e instanceof StreamEvent.Footer f) {
        bodies.add(Arrays.copyOfRange(stream, (int) f.section().bodyOffset(), (int) f.offset()));
      }
    }
    assertEquals(2, bodies.size());
    for (int i = 0; i < 2; i++) {
      assertArrayEquals(bodies.get(i), sections.get(i).body(), "section " + i);
    }
    assertArrayEquals(global, r.saveSection("globalstate", 0, null).orElseThrow().body());
  }

  /** A copier-less device that a save leaves out unless it holds state, and only 9.1 has. */
  private static final VmStateDescription<Counter> NEWER =
      VmStateDescription.<Counter>named("newer")
          .version(1)
          .uint32("a", c -> c.a, (c, v) -> c.a = v)
          .needed(c -> c.a != 0)
          .introducedIn(QemuRelease.QEMU_9_1)
          .build();

  @Test
  void theSaveRuleDecidesWhichSectionsThereAre() throws Exception {
    Counter c = new Counter();
    DeviceRegistry r =
        registry(timer(1, 1), new GlobalState("running")).register("newer", 0, NEWER, c);
    assertEquals(2, r.saveSections(null).size(), "not needed: left out");
    assertTrue(r.saveSection("newer", 0, null).isEmpty());

    c.a = 7;
    assertEquals(3, r.saveSections(null).size());
    assertArrayEquals(hex("00 00 00 07"), r.saveSection("newer", 0, null).orElseThrow().body());
    VmStateEncodeException e =
        assertThrows(VmStateEncodeException.class, () -> r.saveSections(QemuRelease.QEMU_7_2));
    assertTrue(e.getMessage().contains("cannot load it"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> r.saveSection("absent", 0, null), "a caller's bug");
  }

  @Test
  void sectionsLoadIntoAnotherRegistry() throws Exception {
    Counter src = new Counter();
    src.a = 3;
    src.b = 4;
    DeviceRegistry from =
        registry(timer(-5, 1), new GlobalState("running"))
            .register("counter", 0, StreamFormatTest.counter(2), src);
    Timer t = new Timer();
    GlobalState g = new GlobalState("");
    Counter dst = new Counter();
    DeviceRegistry to = registry(t, g).register("counter", 0, StreamFormatTest.counter(2), dst);

    DeviceRegistry.LoadResult res =
        to.loadSections(from.saveSections(null), DeviceRegistry.LoadOptions.DEFAULT);

    assertEquals(3, res.sectionsLoaded());
    assertEquals(-5, t.ticks);
    assertEquals(8, g.size);
    assertEquals(3, dst.a);
    assertEquals(4, dst.b);
    assertArrayEquals(from.saveToBytes(), to.saveToBytes());
  }

  /** Loads {@code sections} into a registry that must come out of the refusal unchanged. */
  private static VmStateException refused(List<SectionBody> sections) throws Exception {
    Counter c = new Counter();
    c.a = 0x55;
    DeviceRegistry to =
        registry(timer(77, 0), new GlobalState("x"))
            .register("counter", 0, StreamFormatTest.counter(2), c);
    byte[] before = to.saveToBytes();
    VmStateException e =
        assertThrows(
            VmStateException.class,
            () -> to.loadSections(sections, DeviceRegistry.LoadOptions.DEFAULT));
    assertArrayEquals(before, to.saveToBytes(), "the registry is as it was");
    return e;
  }

  private static List<SectionBody> sent() throws VmStateException {
    Counter c = new Counter();
    c.a = 1;
    return registry(timer(-5, 1), new GlobalState("running"))
        .register("counter", 0, StreamFormatTest.counter(2), c)
        .saveSections(null);
  }

  private static SectionBody with(SectionBody s, byte[] body) {
    return new SectionBody(s.sectionId(), s.ref(), body);
  }

  @Test
  void everyRejectionLeavesTheRegistryUnchanged() throws Exception {
    List<SectionBody> ok = sent();
    SectionBody last = ok.get(2);
    assertEquals("counter", last.ref().idstr());

    // Cut short at every length: the sections before it decoded, and none is applied.
    for (int n = 0; n < last.body().length; n++) {
      List<SectionBody> cut = new ArrayList<>(ok);
      cut.set(2, with(last, Arrays.copyOf(last.body(), n)));
      VmStateException e = refused(cut);
      assertEquals(new SectionRef("counter", 0, 2), e.section().orElseThrow(), "cut at " + n);
    }

    List<SectionBody> longer = new ArrayList<>(ok);
    longer.set(2, with(last, Arrays.copyOf(last.body(), last.body().length + 1)));
    VmStateException trailing = refused(longer);
    assertTrue(
        trailing.getMessage().contains("the section body holds 1 bytes after the state"),
        trailing.getMessage());
    assertEquals(12, trailing.offset());

    List<SectionBody> unknown = new ArrayList<>(ok);
    unknown.add(new SectionBody(9, new SectionRef("absent", 0, 1), new byte[0]));
    assertTrue(
        refused(unknown).getMessage().startsWith("Unknown savevm section or instance 'absent' 0."));

    List<SectionBody> tooNew = new ArrayList<>(ok);
    tooNew.set(2, new SectionBody(2, new SectionRef("counter", 0, 3), last.body()));
    assertTrue(refused(tooNew) instanceof VersionMismatchException);
  }

  @Test
  void aRefusingPostLoadAtCommitLeavesTheRegistryUnchanged() throws Exception {
    VmStateDescription<Counter> refusing =
        VmStateDescription.<Counter>named("counter")
            .version(2)
            .minimumVersion(1)
            .uint32("a", c -> c.a, (c, v) -> c.a = v)
            .uint32("added", c -> c.added, (c, v) -> c.added = v)
            .since(2)
            .uint32("b", c -> c.b, (c, v) -> c.b = v)
            .postLoad(
                (c, v) -> {
                  throw VmStateDecodeException.validationFailed("counter refuses");
                })
            .build();
    Counter c = new Counter();
    c.a = 0x55;
    Timer t = timer(77, 0);
    DeviceRegistry to = registry(t, new GlobalState("x")).register("counter", 0, refusing, c);
    byte[] before = to.saveToBytes();
    VmStateException e =
        assertThrows(
            VmStateException.class,
            () -> to.loadSections(sent(), DeviceRegistry.LoadOptions.DEFAULT));
    assertTrue(e.getMessage().contains("counter refuses"), e.getMessage());
    assertEquals(77, t.ticks);
    assertEquals(0x55, c.a, "the refusing device itself is restored");
    assertArrayEquals(before, to.saveToBytes());

    // The same through a whole stream: one commit for both paths.
    Counter sc = new Counter();
    sc.a = 1;
    byte[] stream =
        registry(timer(-5, 1), new GlobalState("running"))
            .register("counter", 0, StreamFormatTest.counter(2), sc)
            .saveToBytes();
    assertThrows(
        VmStateException.class,
        () -> to.load(Fixtures.reader(stream, false), DeviceRegistry.LoadOptions.DEFAULT));
    assertEquals(0x55, c.a);
    assertArrayEquals(before, to.saveToBytes());
  }

  @Test
  void sectionsAreCheckedBeforeTheyAreReturned() throws Exception {
    DeviceRegistry r = RegistrySaveCheckTest.registry(true, new RegistrySaveCheckTest.Gauge(5));
    VmStateEncodeException e =
        assertThrows(VmStateEncodeException.class, () -> r.saveSections(null));
    assertTrue(
        e.getMessage().contains("field gauge:0/level would change from 0x00000005 to 0x0000000a"),
        e.getMessage());
    assertThrows(VmStateEncodeException.class, () -> r.saveSection("gauge", 0, null));
    assertEquals(
        1,
        RegistrySaveCheckTest.registry(false, new RegistrySaveCheckTest.Gauge(5))
            .saveSection("gauge", 0, null)
            .orElseThrow()
            .sectionId());
  }
}
