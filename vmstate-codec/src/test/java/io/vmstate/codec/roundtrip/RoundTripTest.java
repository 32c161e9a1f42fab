package io.vmstate.codec.roundtrip;

import static io.vmstate.codec.testing.DeepEquals.assertDeepEquals;
import static io.vmstate.codec.testing.RecordMatcher.assertRecordMatches;
import static io.vmstate.codec.testing.WireHarness.assertBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.codec.GenericBinding;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.roundtrip.AllFamilies.Dev;
import io.vmstate.codec.testing.OneByteInputStream;
import io.vmstate.codec.testing.WireHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Randomized round trips through every field family the generic binding mirrors: typed save then
 * load gives an equal object, and the generic mirror reads the same bytes into records holding the
 * object's values and writes them back byte for byte.
 */
class RoundTripTest {
  static final VmStateCodec CODEC = VmStateCodec.DEFAULT;
  static final VmStateDescription<StateRecord> MIRROR = GenericBinding.mirror(AllFamilies.ALL);

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void typedSaveThenLoadGivesAnEqualObject(long seed) throws Exception {
    Dev source = AllFamilies.random(seed);
    byte[] bytes = CODEC.saveToBytes(AllFamilies.ALL, source);
    Dev loaded = AllFamilies.blank();
    CODEC.load(AllFamilies.ALL, loaded, bytes, AllFamilies.ALL.version());
    assertDeepEquals(source, loaded);
    Dev trickled = AllFamilies.blank();
    WireInput in = WireInput.of(new OneByteInputStream(bytes));
    CODEC.load(AllFamilies.ALL, trickled, in, AllFamilies.ALL.version());
    assertTrue(in.atEnd());
    assertDeepEquals(source, trickled);
    assertBytes(bytes, CODEC.saveToBytes(AllFamilies.ALL, loaded));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void theGenericMirrorReadsTheSameValuesAndWritesTheSameBytes(long seed) throws Exception {
    Dev source = AllFamilies.random(seed);
    byte[] bytes = CODEC.saveToBytes(AllFamilies.ALL, source);
    StateRecord r = new StateRecord("all");
    CODEC.load(MIRROR, r, bytes, AllFamilies.ALL.version());
    assertRecordMatches(AllFamilies.ALL, source, r);
    assertBytes(bytes, CODEC.saveToBytes(MIRROR, r));
  }

  @Test
  void truncationOfARandomStateIsAlwaysADecodeException() throws Exception {
    // With QEMU_VM_EOF after the state, as in the conformance harness: a cut inside a trailing
    // subsection header is caught by the EOF check, everything else by the codec.
    byte[] state = CODEC.saveToBytes(AllFamilies.ALL, AllFamilies.random(99));
    byte[] wire = java.util.Arrays.copyOf(state, state.length + 1);
    for (int cut = 0; cut < wire.length; cut++) {
      int n = cut;
      VmStateDecodeException e =
          WireHarness.loadFails(AllFamilies.ALL, AllFamilies.blank(), WireInput.of(wire, 0, n), 4);
      assertTrue(e.offset() >= 0 && e.offset() <= cut, () -> "cut " + n + ": " + e);
      WireHarness.loadFails(MIRROR, new StateRecord("all"), WireInput.of(wire, 0, n), 4);
      StateRecord r = new StateRecord("all");
      try {
        CODEC.load(MIRROR, r, WireInput.of(wire, 0, n), 4);
        assertTrue(
            n >= e.offset() && wire[(int) e.offset()] == 0x05 || n == state.length, "cut " + n);
      } catch (VmStateDecodeException x) {
        assertEquals(new StateRecord("all"), r, "a failed generic load leaves the record alone");
      }
    }
  }

  @Test
  void anEqualCheckMismatchFailsWithBothValues() throws Exception {
    byte[] bytes = CODEC.saveToBytes(AllFamilies.ALL, AllFamilies.random(5));
    Dev other = AllFamilies.blank();
    other.eq32 = 0x12345678;
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class, () -> CODEC.load(AllFamilies.ALL, other, bytes, 4));
    assertEquals(
        "all/eq32: value check failed: local 0x12345678 != received 0xdeadbeef (at byte 58)",
        e.getMessage());
    Dev hinted = AllFamilies.blank();
    hinted.eq8 = 1;
    VmStateDecodeException h =
        assertThrows(
            VmStateDecodeException.class, () -> CODEC.load(AllFamilies.ALL, hinted, bytes, 4));
    assertEquals("value check failed: local 0x01 != received 0x5a (the hint)", h.reason());
  }

  @Test
  void int32LeAcceptsUpToTheLocalValueOnly() throws Exception {
    Dev source = AllFamilies.random(6);
    source.le = 1000;
    byte[] bytes = CODEC.saveToBytes(AllFamilies.ALL, source);
    Dev atBound = AllFamilies.blank();
    atBound.le = 1000;
    CODEC.load(AllFamilies.ALL, atBound, bytes, 4);
    assertEquals(1000, atBound.le);
    Dev below = AllFamilies.blank();
    below.le = 999;
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class, () -> CODEC.load(AllFamilies.ALL, below, bytes, 4));
    assertEquals(
        "all/le: invalid value 1000, expecting a value in 0..999 (at byte 74)", e.getMessage());
  }

  static final class Small {
    int n;
  }

  static final VmStateDescription<Small> VALIDATED =
      VmStateDescription.<Small>named("v")
          .uint8("n", x -> x.n, (x, v) -> x.n = v)
          .validate("n_small", (x, version) -> x.n <= 3)
          .build();

  @Test
  void aFailingValidateFailsTheLoadAndRefusesTheSave() throws Exception {
    Small ok = new Small();
    CODEC.load(VALIDATED, ok, new byte[] {3}, 0);
    assertEquals(3, ok.n);
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () -> CODEC.load(VALIDATED, new Small(), new byte[] {4}, 0));
    assertEquals(
        "v/n_small: input validation failed: 'n_small' does not hold (at byte 1)", e.getMessage());
    Small big = new Small();
    big.n = 4;
    VmStateEncodeException s =
        assertThrows(VmStateEncodeException.class, () -> CODEC.saveToBytes(VALIDATED, big));
    assertEquals(
        "v/n_small: output state validation failed: 'n_small' does not hold for the saved object",
        s.getMessage());
  }

  @Test
  void repeatedUnusedFieldsKeepTheirOwnBytesInTheGenericMirror() throws Exception {
    // Non-zero padding from a sender must survive a generic decode and re-encode.
    VmStateDescription<Small> padded =
        VmStateDescription.<Small>named("p")
            .unused(3)
            .uint8("n", x -> x.n, (x, v) -> x.n = v)
            .unused(2)
            .build();
    VmStateDescription<StateRecord> mirror = GenericBinding.mirror(padded);
    byte[] wire = {1, 2, 3, 9, 4, 5};
    StateRecord r = new StateRecord("p");
    CODEC.load(mirror, r, wire, 0);
    assertBytes(wire, CODEC.saveToBytes(mirror, r));
    Small typed = new Small();
    CODEC.load(padded, typed, wire, 0);
    assertEquals(9, typed.n);
    assertBytes(new byte[] {0, 0, 0, 9, 0, 0}, CODEC.saveToBytes(padded, typed));
  }

  @Test
  void olderStreamVersionsSkipTheNewerFields() throws Exception {
    Dev source = AllFamilies.random(8);
    source.u64 = 0;
    byte[] v4 = CODEC.saveToBytes(AllFamilies.ALL, source);
    // A v1 stream has no u64 (since 2): cut its 8 bytes out.
    int at = 1 + 1 + 1 + 2 + 2 + 4 + 4 + 8;
    byte[] v1 = new byte[v4.length - 8];
    System.arraycopy(v4, 0, v1, 0, at);
    System.arraycopy(v4, at + 8, v1, at, v4.length - at - 8);
    Dev typed = AllFamilies.blank();
    CODEC.load(AllFamilies.ALL, typed, v1, 1);
    assertDeepEquals(source, typed);
    StateRecord r = new StateRecord("all");
    CODEC.load(MIRROR, r, v1, 1);
    assertEquals(null, r.get("u64"), "the generic record has no u64 either");
  }
}
