package io.vmstate.api.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.schema.proto.DescriptionSchema;
import io.vmstate.api.schema.proto.FieldSchema;
import io.vmstate.api.schema.proto.Presence;
import org.junit.jupiter.api.Test;

class SchemaExporterTest {
  private static final DescriptionSchema SAMPLE = SchemaExporter.export(SampleDescriptions.SAMPLE);

  private static FieldSchema field(String name) {
    return SAMPLE.getFieldsList().stream()
        .filter(f -> f.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no field " + name));
  }

  @Test
  void descriptionAttributes() {
    assertEquals("sample", SAMPLE.getName());
    assertEquals(3, SAMPLE.getVersionId());
    assertEquals(2, SAMPLE.getMinimumVersionId());
    assertEquals("DEFAULT", SAMPLE.getPriority());
    assertEquals(Presence.ALWAYS, SAMPLE.getPresence());
    assertEquals(1, SAMPLE.getSubsectionsCount());
    assertEquals("sample/extra", SAMPLE.getSubsections(0).getName());
    assertEquals(Presence.WHEN_NEEDED, SAMPLE.getSubsections(0).getPresence());
  }

  @Test
  void validateEntriesAreNotFields() {
    assertFalse(SAMPLE.getFieldsList().stream().anyMatch(f -> f.getName().equals("n_ok")));
    assertEquals(SampleDescriptions.SAMPLE.fields().size() - 1, SAMPLE.getFieldsCount());
  }

  @Test
  void scalarsCarryWidthAndGates() {
    FieldSchema flag = field("flag");
    assertEquals("bool", flag.getWireType());
    assertEquals(3, flag.getVersionId());
    assertEquals(1, flag.getElementSize());
    assertEquals(1, flag.getWireSize());
    assertTrue(field("maybe").getHasExistsTest());
  }

  @Test
  void arraysCarryRangeShapeAndCountSource() {
    FieldSchema words = field("words");
    assertEquals(8, words.getStart());
    assertEquals(8, words.getCount());
    assertEquals(4, words.getElementSize());
    assertEquals(32, words.getWireSize());
    assertTrue(words.getArray());

    FieldSchema grid = field("grid");
    assertEquals(4, grid.getRows());
    assertEquals(8, grid.getColumns());
    assertEquals(32, grid.getCount());

    FieldSchema var = field("var");
    assertFalse(var.hasCount());
    assertFalse(var.hasWireSize());
    assertFalse(var.getArray());
    assertEquals("n", var.getVarCount().getSource());
    assertTrue(var.getVarCount().getFieldReference());
    assertEquals("uint32", var.getVarCount().getCountType());

    assertEquals(16, field("timers").getWireSize());
  }

  @Test
  void buffersUnusedAndBitmapsAreWireBytes() {
    assertEquals(8, field("bytes").getWireSize());
    FieldSchema unused = field("unused");
    assertEquals("unused_buffer", unused.getWireType());
    assertEquals(5, unused.getElementSize());
    assertEquals(16, field("bits").getWireSize(), "100 bits travel as two be64 words");
  }

  @Test
  void structsCarryChildAndItsFixedWireSizeAtTheVersionUsed() {
    FieldSchema one = field("one");
    assertEquals("struct", one.getWireType());
    assertEquals("sample_child", one.getChild().getName());
    assertEquals(3, one.getElementSize(), "child v2: uint8 + uint16");
    FieldSchema pinned = field("pinned");
    assertEquals("vstruct", pinned.getWireType());
    assertEquals(1, pinned.getStructVersion());
    assertEquals(1, pinned.getElementSize(), "at version 1 only the uint8 travels");
    FieldSchema kids = field("kids");
    assertEquals(3, kids.getCount());
    assertEquals(9, kids.getWireSize());
    FieldSchema ptrs = field("ptrs");
    assertTrue(ptrs.getPointerArray());
    assertFalse(ptrs.hasElementSize(), "null markers make pointer elements variable");
  }

  @Test
  void containersAndTmpCarryTheirDescriptions() {
    assertEquals("qtailq", field("list").getWireType());
    assertEquals("sample_child", field("list").getChild().getName());
    FieldSchema tree = field("tree");
    assertEquals("gtree", tree.getWireType());
    assertFalse(tree.hasKeyChild());
    assertEquals("tmp", field("tmp").getWireType());
    assertEquals(3, field("tmp").getElementSize());
  }
}
