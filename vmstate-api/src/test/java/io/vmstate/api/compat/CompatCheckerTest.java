package io.vmstate.api.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VarCount;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.schema.SchemaExporter;
import io.vmstate.api.schema.proto.DescriptionSchema;
import io.vmstate.api.schema.proto.FieldSchema;
import io.vmstate.api.schema.proto.Origin;
import io.vmstate.api.schema.proto.SchemaSet;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every rule of the checker, each with a failing and a passing case. */
class CompatCheckerTest {
  /** The object type of the hand-made descriptions; accessors are never called. */
  static final class O {
    int[] words = new int[32];
    byte[][] grid = new byte[8][8];
    boolean[] flags = new boolean[5];
    O[] kids = new O[4];
    int n;
  }

  static VmStateDescription.Builder<O> dev(int version) {
    return VmStateDescription.<O>named("dev").version(version);
  }

  static VmStateDescription.Builder<O> u32(VmStateDescription.Builder<O> b, String... names) {
    for (String name : names) {
      b.uint32(name, o -> 0, (o, v) -> {});
    }
    return b;
  }

  static VmStateDescription<O> child(int version, boolean extraSince2) {
    VmStateDescription.Builder<O> b =
        VmStateDescription.<O>named("kid").version(version).minimumVersion(1);
    u32(b, "k1");
    if (extraSince2) {
      u32(b, "k2").since(2);
    }
    return b.build();
  }

  static CompatReport check(VmStateDescription<O> old, VmStateDescription<O> neu) {
    return CompatChecker.standard().check(SchemaExporter.export(old), SchemaExporter.export(neu));
  }

  static List<String> lines(CompatReport r) {
    return r.problems().stream().map(Problem::toString).toList();
  }

  static void assertClean(CompatReport r) {
    assertEquals(List.of(), lines(r));
  }

  static void assertOnlyError(CompatReport r, String line) {
    assertEquals(List.of(line), lines(r));
    assertEquals(1, r.errors());
    assertEquals(1, r.exitStatus());
  }

  @Test
  void identicalSchemasAreClean() {
    VmStateDescription<O> d = u32(dev(1), "a", "b").build();
    assertClean(check(d, d));
  }

  @Nested
  class Sections {
    @Test
    void missingSectionIsAnError() {
      SchemaSet old = SchemaExporter.set("virt").add(u32(dev(1), "a").build()).build();
      SchemaSet neu = SchemaExporter.set("virt").build();
      assertOnlyError(
          CompatChecker.standard().check(old, neu), "error: dev: section does not exist in new");
    }

    @Test
    void sectionsMatchByKeyOrByDescriptionName() {
      VmStateDescription<O> d = u32(dev(1), "a").build();
      SchemaSet old = SchemaExporter.set("virt").add("dev-class", d).build();
      assertClean(
          CompatChecker.standard()
              .check(old, SchemaExporter.set("virt").add("dev-class", d).build()));
      assertClean(CompatChecker.standard().check(old, SchemaExporter.set("virt").add(d).build()));
    }

    @Test
    void machineMismatchOnlyWarns() {
      VmStateDescription<O> d = u32(dev(1), "a").build();
      CompatReport r =
          CompatChecker.standard()
              .check(
                  SchemaExporter.set("virt-7.2").add(d).build(),
                  SchemaExporter.set("virt-8.0").add(d).build());
      assertEquals(
          List.of(
              "warning: vmschkmachine: checking incompatible machine types: virt-7.2 -> virt-8.0"),
          lines(r));
      assertEquals(0, r.exitStatus());
    }
  }

  @Nested
  class Versions {
    @Test
    void oldVersionAboveNewIsAVersionError() {
      assertOnlyError(
          check(u32(dev(13), "a").build(), u32(dev(12), "a").build()),
          "error: dev: version error: 13 > 12");
    }

    @Test
    void oldVersionBelowNewMinimumIsAMinimumVersionError() {
      CompatReport r = check(u32(dev(3), "a").build(), u32(dev(5).minimumVersion(4), "a").build());
      assertTrue(lines(r).contains("error: dev: minimum version error: 3 < 4"), lines(r)::toString);
      assertEquals(1, r.errors());
    }

    @Test
    void aBumpWithAVersionGatedFieldLoadsButWarnsAboutGoingBack() {
      VmStateDescription<O> old = u32(dev(1).minimumVersion(1), "a").build();
      VmStateDescription<O> neu = u32(u32(dev(2).minimumVersion(1), "a"), "b").since(2).build();
      CompatReport r = check(old, neu);
      assertEquals(0, r.errors(), lines(r)::toString);
      assertEquals(
          List.of(
              "warning: dev: version bumped: 1 -> 2; streams written by new cannot be loaded by"
                  + " old (prefer a subsection)"),
          lines(r));
    }

    @Test
    void fieldGateMovedAboveTheSentVersionIsAnError() {
      VmStateDescription<O> old = u32(u32(dev(3), "a"), "b").since(2).build();
      VmStateDescription<O> neu = u32(u32(dev(5).minimumVersion(3), "a"), "b").since(4).build();
      CompatReport r = check(old, neu);
      assertTrue(
          lines(r)
              .contains(
                  "error: dev: b: version error: old sends the field at version 3 (field"
                      + " version_id 2), new reads it only from version 4"),
          lines(r)::toString);
      assertEquals(1, r.errors());
      assertClean(check(old, u32(u32(dev(3), "a"), "b").since(1).build()));
    }
  }

  @Nested
  class FieldWalk {
    @Test
    void removedFieldStopsTheWalk() {
      assertOnlyError(
          check(u32(dev(1), "a", "b", "c").build(), u32(dev(1), "a", "c", "d").build()),
          "error: dev: b: expected field b, got c; skipping rest");
    }

    @Test
    void newRunningOutOfFieldsIsAnError() {
      assertOnlyError(
          check(u32(dev(1), "a", "b").build(), u32(dev(1), "a").build()),
          "error: dev: b: expected field b, while new has no further fields");
    }

    @Test
    void anUngatedTrailingFieldIsAnErrorButAGatedOneIsNot() {
      CompatReport r = check(u32(dev(1), "a").build(), u32(dev(1), "a", "z").build());
      assertEquals(1, r.errors());
      assertTrue(lines(r).get(0).startsWith("error: dev: z: new reads this field, but old"));
      VmStateDescription<O> gated =
          u32(dev(2).minimumVersion(1), "a").uint8("z", o -> 0, (o, v) -> {}).since(2).build();
      assertEquals(0, check(u32(dev(1), "a").build(), gated).errors());
    }

    @Test
    void aRenameWithTheSameLayoutIsOnlyAWarning() {
      CompatReport r = check(u32(dev(1), "a", "b").build(), u32(dev(1), "a", "bee").build());
      assertEquals(
          List.of("warning: dev: b: field renamed: b -> bee (same wire layout)"), lines(r));
      assertEquals(0, r.exitStatus());
    }

    @Test
    void aRenameThatChangesTheLayoutIsAnError() {
      VmStateDescription<O> neu = u32(dev(1), "a").uint64("bee", o -> 0L, (o, v) -> {}).build();
      assertOnlyError(
          check(u32(dev(1), "a", "b").build(), neu),
          "error: dev: b: expected field b, got bee; skipping rest");
    }

    @Test
    void sizeMismatchUsesQemusWords() {
      VmStateDescription<O> neu = u32(dev(1), "a").uint64("b", o -> 0L, (o, v) -> {}).build();
      CompatReport r = check(u32(dev(1), "a", "b").build(), neu);
      assertEquals(
          List.of(
              "warning: dev: b: wire type changed: uint32 -> uint64",
              "error: dev: b: size mismatch: 4 , 8"),
          lines(r));
    }

    @Test
    void sameSizeTypeChangeOnlyWarns() {
      VmStateDescription<O> neu = u32(dev(1), "a").int32("b", o -> 0, (o, v) -> {}).build();
      CompatReport r = check(u32(dev(1), "a", "b").build(), neu);
      assertEquals(List.of("warning: dev: b: wire type changed: uint32 -> int32"), lines(r));
    }

    @Test
    void existenceTestChangeWarns() {
      VmStateDescription<O> neu = u32(dev(1), "a", "b").onlyIf((o, v) -> o.n > 0).build();
      CompatReport r = check(u32(dev(1), "a", "b").build(), neu);
      assertEquals(
          List.of(
              "warning: dev: b: field_exists test added; both sides must agree on when the field"
                  + " is sent"),
          lines(r));
    }
  }

  @Nested
  class Unused {
    @Test
    void boolArrayReplacedByUnusedOfTheSameBytesIsFine() {
      VmStateDescription<O> old = u32(dev(1), "a").boolArray("flags", o -> o.flags, 5).build();
      VmStateDescription<O> neu = u32(dev(1), "a").unused(5).build();
      assertClean(check(old, neu));
      assertClean(check(neu, old));
    }

    @Test
    void unusedSpanningSeveralFieldsIsFine() {
      assertClean(check(u32(dev(1), "a", "b", "c").build(), u32(dev(1), "a").unused(8).build()));
    }

    @Test
    void unusedOvershootIsAnError() {
      assertOnlyError(
          check(u32(dev(1), "a", "b", "c").build(), u32(dev(1), "a").unused(6).build()),
          "error: dev: c: unused size mismatch near c");
    }

    @Test
    void unusedSmallerThanTheFieldIsAnError() {
      assertOnlyError(
          check(u32(dev(1), "a", "b").build(), u32(dev(1), "a").unused(2).build()),
          "error: dev: b: unused size mismatch near b");
    }

    @Test
    void qemuDumpUnusedUsesSizeTimesNum() {
      FieldSchema unused = FieldSchema.newBuilder().setName("unused").setElementSize(5).build();
      FieldSchema bools =
          FieldSchema.newBuilder()
              .setName("flags")
              .setElementSize(1)
              .setArray(true)
              .setCount(5)
              .build();
      FieldSchema boolsNoNum = FieldSchema.newBuilder().setName("flags").setElementSize(1).build();
      DescriptionSchema.Builder d = DescriptionSchema.newBuilder().setName("e1000e");
      DescriptionSchema withUnused = d.clone().addFields(unused).build();
      assertClean(CompatChecker.standard().check(d.clone().addFields(bools).build(), withUnused));
      CompatReport r =
          CompatChecker.standard().check(d.clone().addFields(boolsNoNum).build(), withUnused);
      assertEquals(
          List.of("error: e1000e: unused: unused size mismatch near unused (no fields left)"),
          lines(r),
          "without num (QEMU < 8.1) the array looks like 1 byte, as QEMU's checker saw it");
    }
  }

  @Nested
  class Structs {
    @Test
    void fieldsMovedIntoAnEmbeddedStructKeepTheLayout() {
      VmStateDescription<O> inner =
          u32(VmStateDescription.<O>named("inner").version(1), "b", "c").build();
      VmStateDescription<O> old = u32(dev(1), "a", "b", "c").build();
      VmStateDescription<O> neu = u32(dev(1), "a").struct("s", o -> o, inner).build();
      assertClean(check(old, neu));
      assertClean(check(neu, old));
    }

    @Test
    void anEmbeddedStructInAnotherOrderIsAnError() {
      VmStateDescription<O> inner =
          u32(VmStateDescription.<O>named("inner").version(1), "c", "b").build();
      CompatReport r =
          check(
              u32(dev(1), "a", "b", "c").build(),
              u32(dev(1), "a").struct("s", o -> o, inner).build());
      assertEquals(1, r.errors(), lines(r)::toString);
    }

    @Test
    void missingDescriptionIsAnError() {
      VmStateDescription<O> old = u32(dev(1), "a").struct("s", o -> o, child(1, false)).build();
      VmStateDescription<O> neu = u32(dev(1), "a", "s").build();
      CompatReport r = check(old, neu);
      assertTrue(lines(r).contains("error: dev: s: missing description"), lines(r)::toString);
      assertEquals(1, r.errors());
    }

    @Test
    void nestedVersionBumpIsAnErrorQemusCheckerMisses() {
      VmStateDescription<O> old = u32(dev(1), "a").struct("s", o -> o, child(1, false)).build();
      VmStateDescription<O> neu = u32(dev(1), "a").struct("s", o -> o, child(2, true)).build();
      CompatReport r = check(old, neu);
      assertEquals(
          List.of(
              "error: dev: s: nested struct version changed: 1 -> 2; nested versions are not on"
                  + " the wire, so old streams are read at version 2 (use a subsection or a"
                  + " vstruct)",
              "error: dev: s.k2: new reads this field, but old does not send it (gate it by"
                  + " version or move it into a subsection)"),
          lines(r));
      assertClean(check(old, old));
    }

    @Test
    void vstructVersionChangeIsAnError() {
      VmStateDescription<O> old = u32(dev(1), "a").vstruct("s", o -> o, child(2, true), 1).build();
      VmStateDescription<O> neu = u32(dev(1), "a").vstruct("s", o -> o, child(2, true), 2).build();
      CompatReport r = check(old, neu);
      assertTrue(lines(r).get(0).startsWith("error: dev: s: struct version changed: 1 -> 2"));
      assertClean(check(neu, neu));
    }

    @Test
    void nestedRenameIsOnlyAWarning() {
      VmStateDescription<O> renamed =
          u32(VmStateDescription.<O>named("kid2").version(1), "k1").build();
      CompatReport r =
          check(
              u32(dev(1), "a").struct("s", o -> o, child(1, false)).build(),
              u32(dev(1), "a").struct("s", o -> o, renamed).build());
      assertEquals(
          List.of(
              "warning: dev: s: description name changed: kid -> kid2 (nested names are not on the"
                  + " wire)"),
          lines(r));
    }
  }

  @Nested
  class Arrays {
    @Test
    void subArrayRangeChangeIsAnErrorQemusCheckerMisses() {
      VmStateDescription<O> old = dev(1).uint32SubArray("w", o -> o.words, 0, 8, 32).build();
      VmStateDescription<O> neu = dev(1).uint32SubArray("w", o -> o.words, 8, 8, 32).build();
      assertOnlyError(check(old, neu), "error: dev: w: sub-array range changed: [0, 8) -> [8, 16)");
      assertClean(check(old, dev(1).uint32SubArray("w", o -> o.words, 0, 8, 32).build()));
    }

    @Test
    void countChangeIsAnError() {
      VmStateDescription<O> old = dev(1).uint32Array("w", o -> o.words, 8).build();
      VmStateDescription<O> neu = dev(1).uint32Array("w", o -> o.words, 16).build();
      assertOnlyError(check(old, neu), "error: dev: w: element count mismatch: 8 , 16");
    }

    @Test
    void twoDimensionalShapeChangeIsAnError() {
      VmStateDescription<O> old = dev(1).uint8Array2d("g", o -> o.grid, 4, 8).build();
      VmStateDescription<O> neu = dev(1).uint8Array2d("g", o -> o.grid, 8, 4).build();
      assertOnlyError(check(old, neu), "error: dev: g: 2-D shape changed: [4][8] -> [8][4]");
      assertClean(check(old, dev(1).uint8Array2d("g", o -> o.grid, 4, 8).build()));
    }

    @Test
    void fixedToVariableCountIsAnErrorAndASourceChangeWarns() {
      VmStateDescription<O> fixed = u32(dev(1), "n", "m").uint32Array("w", o -> o.words, 8).build();
      VmStateDescription<O> varN =
          u32(dev(1), "n", "m")
              .uint32VarArray("w", VarCount.field("n"), o -> o.words, null)
              .build();
      VmStateDescription<O> varM =
          u32(dev(1), "n", "m")
              .uint32VarArray("w", VarCount.field("m"), o -> o.words, null)
              .build();
      assertOnlyError(check(fixed, varN), "error: dev: w: fixed count became a variable count (n)");
      assertEquals(
          List.of("warning: dev: w: count source changed: n -> m"), lines(check(varN, varM)));
      assertClean(check(varN, varN));
    }

    @Test
    void aQemuDumpKnowsNoSubArrayStartOrVariableCountSoTheyAreNotCompared() {
      VmStateDescription<O> sub =
          u32(dev(1), "n").uint32SubArray("w", o -> o.words, 8, 8, 32).build();
      VmStateDescription<O> var =
          u32(dev(1), "n").uint32VarArray("w", VarCount.field("n"), o -> o.words, null).build();
      // What QEMU 7.2's -dump-vmstate shows for both: a field with a size, no count ("num" is
      // 8.1+), no start, no count source.
      DescriptionSchema plain = SchemaExporter.export(u32(dev(1), "n", "w").build());
      plain = plain.toBuilder().setFields(1, plain.getFields(1).toBuilder().clearCount()).build();
      SchemaSet dump =
          SchemaSet.newBuilder()
              .setOrigin(Origin.QEMU_DUMP)
              .addSections(
                  SchemaExporter.section(u32(dev(1), "n", "w").build()).toBuilder()
                      .setDescription(plain))
              .build();
      for (VmStateDescription<O> ours : List.of(sub, var)) {
        SchemaSet set = SchemaExporter.set("").add(ours).build();
        assertClean(CompatChecker.standard().check(dump, set));
        assertClean(CompatChecker.standard().check(set, dump));
        SchemaSet fullLayout = dump.toBuilder().setOrigin(Origin.VMSTATE_JAVA).build();
        assertEquals(1, CompatChecker.standard().check(fullLayout, set).errors());
      }
    }

    @Test
    void pointerArrayChangeIsAnError() {
      VmStateDescription<O> plain =
          dev(1).structArray("k", o -> o.kids, 4, child(1, false)).build();
      VmStateDescription<O> ptrs =
          dev(1).structPointerArray("k", o -> o.kids, 4, child(1, false)).build();
      CompatReport r = check(plain, ptrs);
      assertEquals(1, r.errors(), lines(r)::toString);
      assertTrue(lines(r).get(0).contains("pointer array introduced"));
    }
  }

  @Nested
  class Subsections {
    VmStateDescription<O> sub(boolean needed, int version) {
      VmStateDescription.Builder<O> b = VmStateDescription.<O>named("dev/extra").version(version);
      if (needed) {
        b.needed(o -> o.n != 0);
      }
      return u32(b, "x").build();
    }

    @Test
    void aSubsectionMissingInNewIsAnError() {
      VmStateDescription<O> old = u32(dev(1), "a").subsection(sub(true, 1)).build();
      assertOnlyError(
          check(old, u32(dev(1), "a").build()),
          "error: dev: [dev/extra]: Subsection dev/extra not found");
      assertClean(check(old, old));
    }

    @Test
    void subsectionVersionsTravelAndAreChecked() {
      VmStateDescription<O> old = u32(dev(1), "a").subsection(sub(true, 3)).build();
      VmStateDescription<O> neu = u32(dev(1), "a").subsection(sub(true, 2)).build();
      assertOnlyError(check(old, neu), "error: dev: [dev/extra]: version error: 3 > 2");
    }

    @Test
    void removingTheNeededPredicateIsAnError() {
      VmStateDescription<O> old = u32(dev(1), "a").subsection(sub(true, 1)).build();
      VmStateDescription<O> neu = u32(dev(1), "a").subsection(sub(false, 1)).build();
      assertOnlyError(
          check(old, neu),
          "error: dev: [dev/extra]: subsection became always sent (its needed() predicate was"
              + " removed); it was optional, so migration to releases without it now always fails");
      assertClean(check(neu, old));
    }

    @Test
    void aNewOptionalSubsectionIsCleanAndANewAlwaysSentOneWarns() {
      VmStateDescription<O> old = u32(dev(1), "a").build();
      assertClean(check(old, u32(dev(1), "a").subsection(sub(true, 1)).build()));
      CompatReport r = check(old, u32(dev(1), "a").subsection(sub(false, 1)).build());
      assertEquals(0, r.errors());
      assertEquals(1, r.warnings());
      assertTrue(
          lines(r).get(0).startsWith("warning: dev: [dev/extra]: new subsection is always sent"));
    }

    @Test
    void ignoredSubsectionsAreSkipped() {
      VmStateDescription<O> old = u32(dev(1), "a").subsection(sub(true, 1)).build();
      assertClean(
          CompatChecker.standard()
              .ignoringSubsections(List.of("dev/extra"))
              .check(SchemaExporter.export(old), SchemaExporter.export(u32(dev(1), "a").build())));
    }

    @Test
    void fieldsInsideSubsectionsAreWalked() {
      VmStateDescription<O> old = u32(dev(1), "a").subsection(sub(true, 1)).build();
      VmStateDescription<O> neu =
          u32(dev(1), "a")
              .subsection(
                  VmStateDescription.<O>named("dev/extra")
                      .version(1)
                      .needed(o -> true)
                      .uint64("x", o -> 0L, (o, v) -> {})
                      .build())
              .build();
      assertTrue(
          lines(check(old, neu)).contains("error: dev: [dev/extra].x: size mismatch: 4 , 8"));
    }
  }

  @Nested
  class Report {
    @Test
    void exitStatusIsTheErrorCountCappedAt255() {
      UnaryOperator<VmStateDescription.Builder<O>> none = b -> b;
      VmStateDescription.Builder<O> old = none.apply(dev(1));
      VmStateDescription.Builder<O> neu = dev(1);
      for (int i = 0; i < 300; i++) {
        old.uint32("f" + i, o -> 0, (o, v) -> {});
        neu.uint16("f" + i, o -> 0, (o, v) -> {});
      }
      CompatReport r = check(old.build(), neu.build());
      assertEquals(300, r.errors());
      assertEquals(300, r.warnings());
      assertEquals(255, r.exitStatus());
      assertTrue(r.toText().endsWith("300 errors, 300 warnings\n"));
    }
  }
}
