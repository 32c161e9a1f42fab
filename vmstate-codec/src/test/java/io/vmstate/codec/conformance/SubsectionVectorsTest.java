package io.vmstate.codec.conformance;

import static io.vmstate.codec.testing.WireHarness.assertLoadVector;
import static io.vmstate.codec.testing.WireHarness.assertSaves;
import static io.vmstate.codec.testing.WireHarness.items;
import static io.vmstate.codec.testing.WireHarness.loadFails;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.testing.Hex;
import io.vmstate.codec.testing.WireHarness;
import org.junit.jupiter.api.Test;

/**
 * Reference §8.4 (the proposed subsection tests, with master's behaviour where they differ): a
 * subsection with no fields, sent when needed, loaded once per occurrence, and an unknown name
 * failing the load.
 */
class SubsectionVectorsTest {
  static final class Opt {
    boolean needed;
    int loadsOfA;
  }

  static final VmStateDescription<Opt> SUB_A =
      VmStateDescription.<Opt>named("sub/optional/a")
          .version(1)
          .minimumVersion(1)
          .needed(o -> o.needed)
          .postLoad((o, version) -> o.loadsOfA++)
          .build();

  static final VmStateDescription<Opt> OPTIONAL =
      VmStateDescription.<Opt>named("sub/optional")
          .version(1)
          .minimumVersion(1)
          .subsection(SUB_A)
          .build();

  static final String SUB_A_WIRE = "05 0e 73 75 62 2f 6f 70 74 69 6f 6e 61 6c 2f 61 00 00 00 01";

  static Opt opt(boolean needed) {
    Opt o = new Opt();
    o.needed = needed;
    return o;
  }

  @Test
  void neededSaves() throws Exception {
    assertSaves(OPTIONAL, opt(true), Hex.bytes(SUB_A_WIRE));
  }

  @Test
  void notNeededSavesNothing() throws Exception {
    assertSaves(OPTIONAL, opt(false), new byte[0]);
  }

  @Test
  void neededLoads() throws Exception {
    // A cut inside the name leaves a lone 0x05 that is not taken for a subsection; the byte after
    // the state is then not QEMU_VM_EOF, which fails at the subsection's offset.
    assertLoadVector(
        OPTIONAL,
        () -> opt(false),
        1,
        Hex.withEof(SUB_A_WIRE),
        items(16, 4),
        o -> assertEquals(1, o.loadsOfA));
  }

  @Test
  void notNeededVectorLoadsWithoutRunningTheSubsection() throws Exception {
    Opt o = opt(true);
    WireHarness.loadThenEof(OPTIONAL, o, WireInput.of(Hex.withEof("")), 1);
    assertEquals(0, o.loadsOfA);
  }

  @Test
  void theSameSubsectionTwiceLoadsTwiceAsInMaster() throws Exception {
    Opt o = opt(false);
    WireHarness.loadThenEof(
        OPTIONAL, o, WireInput.of(Hex.withEof(SUB_A_WIRE + " " + SUB_A_WIRE)), 1);
    assertEquals(2, o.loadsOfA);
  }

  @Test
  void anUnknownSubsectionFailsNamingIt() {
    byte[] wire = Hex.withEof(SUB_A_WIRE);
    wire[15] = 'b';
    VmStateDecodeException e = loadFails(OPTIONAL, opt(false), WireInput.of(wire), 1);
    WireHarness.assertExactType(VmStateDecodeException.class, e);
    assertEquals(0, e.offset());
    assertEquals(
        "sub/optional: subsection 'sub/optional/b' does not exist in 'sub/optional' (at byte 0)",
        e.getMessage());
  }

  @Test
  void aSubsectionOfAnotherDescriptionIsLeftForItsOwner() throws Exception {
    // "other/x" does not start with "sub/optional": the load stops before it, as QEMU's does.
    String other = "05 07 6f 74 68 65 72 2f 78 00 00 00 01";
    WireInput in = WireInput.of(Hex.bytes(other));
    VmStateCodec.DEFAULT.load(OPTIONAL, opt(false), in, 1);
    assertEquals(0, in.position());
  }

  @Test
  void aShortLengthByteIsNotASubsection() throws Exception {
    // A length below strlen(parent) + 1 means the 0x05 is someone else's byte.
    WireInput in = WireInput.of(Hex.bytes("05 0c 73 75 62 2f 6f 70 74 69 6f 6e 61 6c"));
    VmStateCodec.DEFAULT.load(OPTIONAL, opt(false), in, 1);
    assertEquals(0, in.position());
  }

  @Test
  void theSubsectionVersionIsTruncatedToEightBitsAsInQemu() throws Exception {
    // be32 0x101 is read into an 8-bit variable: version 1 (reference P2).
    Opt o = opt(false);
    WireHarness.loadThenEof(
        OPTIONAL,
        o,
        WireInput.of(
            Hex.withEof(SUB_A_WIRE.substring(0, SUB_A_WIRE.length() - 11) + "00 00 01 01")),
        1);
    assertEquals(1, o.loadsOfA);
  }
}
