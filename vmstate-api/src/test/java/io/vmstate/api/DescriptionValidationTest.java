package io.vmstate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Malformed descriptions fail when built, with an {@link IllegalArgumentException} naming the
 * description and the field, never later on the wire.
 */
class DescriptionValidationTest {
  static final class S {
    int n;
    long wide;
    int[] arr = new int[8];
  }

  static VmStateDescription.Builder<S> dev() {
    return VmStateDescription.<S>named("dev").version(2).minimumVersion(1);
  }

  static void assertRejected(String message, Executable build) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
    assertEquals(message, e.getMessage());
  }

  @Test
  void subArrayOutsideItsArray() {
    assertRejected(
        "dev.cpu_ctlr: sub-array [6, 10) lies outside its array of 8 elements",
        () -> dev().uint32SubArray("cpu_ctlr", s -> s.arr, 6, 4, 8));
    assertRejected(
        "dev.cpu_ctlr: sub-array [-1, 3) lies outside its array of 8 elements",
        () -> dev().uint32SubArray("cpu_ctlr", s -> s.arr, -1, 4, 8));
  }

  @Test
  void structSubArrayOutsideItsArray() {
    VmStateDescription<S> child = VmStateDescription.<S>named("child").build();
    assertRejected(
        "dev.cpus: sub-array [2, 5) lies outside its array of 4 elements",
        () -> dev().structSubArray("cpus", s -> new S[4], 2, 3, 4, child));
  }

  @Test
  void missingCountField() {
    assertRejected(
        "dev.arr: count field 'n' does not exist among the scalar fields of dev",
        () -> dev().uint32VarArray("arr", VarCount.field("n"), s -> s.arr, null).build());
  }

  @Test
  void countFieldAfterTheArray() {
    assertRejected(
        "dev.arr: count field 'n' comes after the array; it must be loaded first",
        () ->
            dev()
                .uint32VarArray("arr", VarCount.field("n"), s -> s.arr, null)
                .int32("n", s -> s.n, (s, v) -> s.n = v)
                .build());
  }

  @Test
  void countFieldOfANonCountType() {
    assertRejected(
        "dev.arr: count field 'wide' has type uint64; a count must be int32, uint8, uint16 or"
            + " uint32",
        () ->
            dev()
                .uint64("wide", s -> s.wide, (s, v) -> s.wide = v)
                .uint32VarArray("arr", VarCount.field("wide"), s -> s.arr, null)
                .build());
  }

  @Test
  void subsectionNotPrefixedByItsParent() {
    VmStateDescription<S> other = VmStateDescription.<S>named("other/x").build();
    assertRejected(
        "dev: subsection name 'other/x' must start with its parent's name 'dev'",
        () -> dev().subsection(other));
    VmStateDescription<S> same = VmStateDescription.<S>named("dev").build();
    assertRejected(
        "dev: subsection name 'dev' must start with its parent's name 'dev'",
        () -> dev().subsection(same));
  }

  @Test
  void duplicateFieldNames() {
    assertRejected(
        "dev: duplicate field name 'n'",
        () -> dev().int32("n", s -> s.n, (s, v) -> s.n = v).uint32("n", s -> s.n, (s, v) -> {}));
  }

  @Test
  void unusedAndTmpMayRepeat() {
    VmStateDescription<S> d = dev().unused(4).unused(2).build();
    assertEquals(2, d.fields().size());
  }

  @Test
  void duplicateSubsections() {
    VmStateDescription<S> sub = VmStateDescription.<S>named("dev/s").build();
    assertRejected(
        "dev: duplicate subsection 'dev/s'", () -> dev().subsection(sub).subsection(sub));
  }

  @Test
  void fieldVersionAboveTheDescriptionVersion() {
    assertRejected(
        "dev.n: field version 3 is above the description's version 2, so it is never sent",
        () -> dev().int32("n", s -> s.n, (s, v) -> s.n = v).since(3).build());
  }

  @Test
  void minimumAboveVersion() {
    assertRejected(
        "dev: minimum version 3 is above version 2",
        () -> VmStateDescription.<S>named("dev").version(2).minimumVersion(3).build());
  }

  @Test
  void nameLongerThanAStr8() {
    assertRejected(
        "description name '" + "x".repeat(256) + "' is over 255 bytes",
        () -> VmStateDescription.<S>named("x".repeat(256)));
  }

  @Test
  void modifiersNeedAField() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> dev().since(1));
    assertEquals("dev: since() needs a field before it", e.getMessage());
  }

  @Test
  void theMinimumVersionDefaultsToTheVersion() {
    VmStateDescription<S> d = VmStateDescription.<S>named("dev").version(5).build();
    assertEquals(5, d.minimumVersion());
  }
}
