package io.vmstate.schema.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmstate.api.compat.CompatChecker;
import io.vmstate.api.compat.CompatReport;
import io.vmstate.api.compat.Problem;
import io.vmstate.api.schema.proto.DescriptionSchema;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.api.schema.proto.SectionSchema;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker on QEMU 7.2's own dump of the GIC classes, and on mutated copies of it. */
class QemuDumpCheckTest {
  static SchemaSet qemu() throws Exception {
    try (InputStream in =
        QemuDumpCheckTest.class.getResourceAsStream("/qemu-7.2/virt-gic.dump-vmstate.json")) {
      return SchemaFiles.read(in);
    }
  }

  static int index(SchemaSet set, String key) {
    for (int i = 0; i < set.getSectionsCount(); i++) {
      if (set.getSections(i).getKey().equals(key)) {
        return i;
      }
    }
    throw new AssertionError(key);
  }

  static SchemaSet mutate(
      SchemaSet set, String key, java.util.function.UnaryOperator<DescriptionSchema> change) {
    int i = index(set, key);
    SectionSchema s = set.getSections(i);
    return set.toBuilder()
        .setSections(i, s.toBuilder().setDescription(change.apply(s.getDescription())))
        .build();
  }

  @Test
  void qemusDumpAgainstItselfIsClean() throws Exception {
    SchemaSet q = qemu();
    CompatReport r = CompatChecker.standard().check(q, q);
    assertEquals(List.of(), r.problems());
    assertEquals(0, r.exitStatus());
  }

  @Test
  void mutatedCopyReportsTheExpectedProblems() throws Exception {
    SchemaSet q = qemu();
    SchemaSet m =
        mutate(
            q,
            "arm_gic",
            d ->
                d.toBuilder()
                    .setVersionId(11)
                    .setFields(0, d.getFields(0).toBuilder().setElementSize(8))
                    .clearSubsections()
                    .build());
    m = mutate(m, "arm-gicv3", d -> d.toBuilder().removeFields(3).build());
    m = m.toBuilder().removeSections(index(m, "arm-gicv3-its")).build();
    CompatReport r = CompatChecker.standard().check(q, m);
    DescriptionSchema v3 = q.getSections(index(q, "arm-gicv3")).getDescription();
    String removed = v3.getFields(3).getName();
    String next = v3.getFields(4).getName();
    assertEquals(
        List.of(
            "error: arm-gicv3-its: section does not exist in new",
            "error: arm-gicv3: "
                + removed
                + ": expected field "
                + removed
                + ", got "
                + next
                + "; skipping rest",
            "error: arm_gic: version error: 12 > 11",
            "error: arm_gic: ctlr: size mismatch: 4 , 8",
            "error: arm_gic: [arm_gic_virt_state]: Subsection arm_gic_virt_state not found"),
        r.problems().stream().map(Problem::toString).toList(),
        "problems come in the old file's section order");
    assertEquals(5, r.exitStatus());
  }

  @Test
  void commandReadsBothFormatsAndReturnsTheExitStatus() throws Exception {
    SchemaSet q = qemu();
    SchemaSet m =
        mutate(q, "arm_gic", d -> d.toBuilder().setMinimumVersionId(13).setVersionId(13).build());
    ByteArrayOutputStream proto = new ByteArrayOutputStream();
    SchemaFiles.write(m, proto, SchemaFiles.Format.PROTO);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int status;
    try (InputStream old =
        QemuDumpCheckTest.class.getResourceAsStream("/qemu-7.2/virt-gic.dump-vmstate.json")) {
      status =
          CompatCommand.run(old, new ByteArrayInputStream(proto.toByteArray()), false, printed);
    }
    assertEquals(1, status);
    assertEquals(
        "error: arm_gic: minimum version error: 12 < 13\n"
            + "warning: arm_gic: version bumped: 12 -> 13; streams written by new cannot be loaded"
            + " by old (prefer a subsection)\n"
            + "1 error, 1 warning\n",
        printed.toString(StandardCharsets.UTF_8));
  }
}
