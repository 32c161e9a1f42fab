package io.vmstate.codec.downlevel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireOutput;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Saving for an older QEMU release omits what it lacks and refuses silent loss. */
class DownLevelTest {
  static final class Dev {
    int a = 1;
    int nmi;
    int always = 7;
  }

  static final VmStateDescription<Dev> NMI =
      VmStateDescription.<Dev>named("dev/nmi")
          .version(1)
          .introducedIn(QemuRelease.QEMU_9_1)
          .needed(d -> d.nmi != 0)
          .uint32("nmi", d -> d.nmi, (d, v) -> d.nmi = v)
          .build();

  static final VmStateDescription<Dev> ALWAYS_NEW =
      VmStateDescription.<Dev>named("dev/always")
          .version(1)
          .introducedIn(new QemuRelease(8, 0))
          .uint8("always", d -> d.always, (d, v) -> d.always = v)
          .build();

  static final VmStateDescription<Dev> DEV =
      VmStateDescription.<Dev>named("dev")
          .version(1)
          .uint32("a", d -> d.a, (d, v) -> d.a = v)
          .subsection(NMI)
          .subsection(ALWAYS_NEW)
          .build();

  private static String save(Dev d, QemuRelease target) throws Exception {
    WireOutput out = WireOutput.toBytes();
    VmStateCodec.DEFAULT.save(DEV, d, out, null, target);
    return HexFormat.of().formatHex(out.toByteArray());
  }

  @Test
  void newestTargetSendsEverythingNeeded() throws Exception {
    Dev d = new Dev();
    d.nmi = 5;
    assertEquals(
        "00000001"
            + "0507"
            + HexFormat.of().formatHex("dev/nmi".getBytes())
            + "00000001"
            + "00000005"
            + "050a"
            + HexFormat.of().formatHex("dev/always".getBytes())
            + "00000001"
            + "07",
        save(d, null));
  }

  @Test
  void olderTargetOmitsDefaultAndAlwaysSentNewSubsections() throws Exception {
    Dev d = new Dev();
    assertEquals("00000001", save(d, QemuRelease.QEMU_7_2));
    byte[] expected = HexFormat.of().parseHex("00000001");
    WireOutput out = WireOutput.toBytes();
    VmStateCodec.DEFAULT.save(DEV, d, out, null, QemuRelease.parse("qemu-7.2"));
    assertArrayEquals(expected, out.toByteArray());
  }

  @Test
  void targetBetweenReleasesKeepsWhatItHas() throws Exception {
    Dev d = new Dev();
    assertEquals(
        "00000001" + "050a" + HexFormat.of().formatHex("dev/always".getBytes()) + "0000000107",
        save(d, new QemuRelease(8, 2)));
  }

  @Test
  void olderTargetRefusesNonDefaultState() {
    Dev d = new Dev();
    d.nmi = 1;
    VmStateEncodeException e =
        assertThrows(VmStateEncodeException.class, () -> save(d, QemuRelease.QEMU_7_2));
    assertEquals(
        "dev/nmi: 'dev/nmi' holds state that is not the default, but qemu-7.2 cannot load it (it was"
            + " added in QEMU 9.1); reset it to the default or write for a newer target",
        e.getMessage());
  }

  /** A feature subsection sent whenever the feature is on, whatever it holds; reset zeroes it. */
  static final class Feat {
    boolean on = true;
    int mask;
    int[] lines = new int[3];
  }

  static final VmStateDescription<Feat> FEAT =
      VmStateDescription.<Feat>named("feat")
          .version(1)
          .uint8("on", f -> f.on ? 1 : 0, (f, v) -> f.on = v != 0)
          .subsection(
              VmStateDescription.<Feat>named("feat/x")
                  .version(1)
                  .introducedIn(QemuRelease.QEMU_9_1)
                  .zeroAtReset()
                  .needed(f -> f.on)
                  .uint32("mask", f -> f.mask, (f, v) -> f.mask = v)
                  .uint32Array("lines", f -> f.lines, 3)
                  .build())
          .build();

  private static String save(Feat f, QemuRelease target) throws Exception {
    WireOutput out = WireOutput.toBytes();
    VmStateCodec.DEFAULT.save(FEAT, f, out, null, target);
    return HexFormat.of().formatHex(out.toByteArray());
  }

  @Test
  void olderTargetDropsAZeroAtResetSubsectionHoldingZeros() throws Exception {
    Feat f = new Feat();
    assertEquals(
        "01"
            + "0506"
            + HexFormat.of().formatHex("feat/x".getBytes())
            + "00000001"
            + "00".repeat(16),
        save(f, null));
    assertEquals("01", save(f, QemuRelease.QEMU_7_2));
  }

  @Test
  void olderTargetRefusesAZeroAtResetSubsectionNamingTheNonZeroElement() {
    Feat f = new Feat();
    f.lines[2] = 0x100;
    VmStateEncodeException e =
        assertThrows(VmStateEncodeException.class, () -> save(f, QemuRelease.QEMU_7_2));
    assertEquals(
        "feat/x/lines[2]: 'feat/x' holds state that is not the default (field 'lines[2]' is not"
            + " zero, its value after reset), but qemu-7.2 cannot load it (it was added in QEMU"
            + " 9.1); reset it to the default or write for a newer target",
        e.getMessage());
    f.lines[2] = 0;
    f.mask = 1;
    e = assertThrows(VmStateEncodeException.class, () -> save(f, QemuRelease.QEMU_7_2));
    assertTrue(e.getMessage().startsWith("feat/x/mask: "), e.getMessage());
  }

  @Test
  void releaseParsing() {
    assertEquals(new QemuRelease(9, 1), QemuRelease.parse("9.1"));
    assertEquals(QemuRelease.QEMU_7_2, QemuRelease.parse("qemu-7.2.0"));
    assertThrows(IllegalArgumentException.class, () -> QemuRelease.parse("seven"));
  }
}
