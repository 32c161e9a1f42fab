package io.vmstate.schema.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vmstate.api.schema.SchemaFormatException;
import io.vmstate.api.schema.proto.DescriptionSchema;
import io.vmstate.api.schema.proto.Origin;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.api.schema.proto.SectionSchema;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SchemaJsonReaderTest {
  static final String DUMP = "/qemu-7.2/virt-gic.dump-vmstate.json";

  static byte[] dumpBytes() throws IOException {
    try (InputStream in = SchemaJsonReaderTest.class.getResourceAsStream(DUMP)) {
      return in.readAllBytes();
    }
  }

  static SchemaSet dump() throws Exception {
    return SchemaFiles.read(new ByteArrayInputStream(dumpBytes()));
  }

  static SectionSchema section(SchemaSet set, String key) {
    return set.getSectionsList().stream()
        .filter(s -> s.getKey().equals(key))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void importsQemuDumpOfTheGics() throws Exception {
    SchemaSet set = dump();
    assertEquals(Origin.QEMU_DUMP, set.getOrigin());
    assertEquals("virt-7.2", set.getMachine());
    assertEquals(3, set.getSectionsCount());
    DescriptionSchema gic = section(set, "arm_gic").getDescription();
    assertEquals("arm_gic", gic.getName());
    assertEquals(12, gic.getVersionId());
    assertEquals(12, gic.getMinimumVersionId());
    assertEquals("ctlr", gic.getFields(0).getName());
    assertEquals(4, gic.getFields(0).getElementSize());
    assertFalse(gic.getFields(0).hasCount(), "QEMU 7.2 writes no num");
    assertEquals("arm_gic_irq_state", gic.getFields(2).getChild().getName());
    assertEquals("arm_gic_virt_state", gic.getSubsections(0).getName());
    DescriptionSchema v3 = section(set, "arm-gicv3").getDescription();
    assertEquals("arm_gicv3", v3.getName());
    assertTrue(
        v3.getSubsectionsList().stream()
            .anyMatch(s -> s.getName().equals("arm_gicv3/gicd_no_migration_shift_bug")));
    assertEquals("arm_gicv3_its", section(set, "arm-gicv3-its").getDescription().getName());
  }

  @Test
  void writerReproducesQemusTextByteForByte() throws Exception {
    byte[] qemu = dumpBytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SchemaFiles.write(dump(), out, SchemaFiles.Format.QEMU_JSON);
    assertEquals(
        new String(qemu, StandardCharsets.UTF_8),
        new String(out.toByteArray(), StandardCharsets.UTF_8));
  }

  @Test
  void oneBytePerReadGivesTheSameSchema() throws Exception {
    byte[] bytes = dumpBytes();
    InputStream slow =
        new ByteArrayInputStream(bytes) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 1));
          }
        };
    assertEquals(dump(), SchemaFiles.read(slow));
  }

  @Test
  void everyTruncationIsASchemaFormatException() throws Exception {
    byte[] bytes = dumpBytes();
    int end = bytes.length;
    while (end > 0 && Character.isWhitespace(bytes[end - 1])) {
      end--;
    }
    for (int n = 1; n < end; n++) {
      byte[] cut = Arrays.copyOf(bytes, n);
      try {
        SchemaFiles.read(new ByteArrayInputStream(cut));
        fail("truncation at " + n + " was accepted");
      } catch (SchemaFormatException expected) {
        // the only acceptable outcome
      }
    }
  }

  @Test
  void wrongMemberTypeNamesOffsetAndPath() {
    String json =
        "{\n  \"dev\": {\n    \"Description\": {\n      \"name\": \"dev\",\n"
            + "      \"Fields\": [\n        {\"field\": \"a\", \"size\": \"four\"}\n      ]\n"
            + "    }\n  }\n}\n";
    SchemaFormatException e =
        assertThrows(
            SchemaFormatException.class,
            () ->
                SchemaFiles.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))));
    assertEquals("dev/Fields[0]", e.fieldPath());
    assertEquals(json.indexOf("\"four\""), e.offset());
    assertEquals(
        "dev/Fields[0]: 'size' must be an integer (at byte " + json.indexOf("\"four\"") + ")",
        e.getMessage());
  }

  @Test
  void missingFieldNameIsReported() {
    String json = "{\"dev\": {\"Description\": {\"name\": \"dev\", \"Fields\": [{\"size\": 4}]}}}";
    SchemaFormatException e =
        assertThrows(
            SchemaFormatException.class,
            () ->
                SchemaFiles.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))));
    assertEquals("a field entry has no 'field' member", e.reason());
  }

  @Test
  void negativeSizesAndGarbageProtoAreRejected() {
    String json =
        "{\"dev\": {\"Description\": {\"name\": \"d\", \"Fields\": [{\"field\": \"a\", \"size\": -1}]}}}";
    assertThrows(
        SchemaFormatException.class,
        () -> SchemaFiles.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))));
    byte[] garbage = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
    assertThrows(
        SchemaFormatException.class, () -> SchemaFiles.read(new ByteArrayInputStream(garbage)));
  }

  @Test
  void protoTruncationsAreSchemaFormatExceptions() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SchemaFiles.write(dump(), out, SchemaFiles.Format.PROTO);
    byte[] bytes = out.toByteArray();
    assertArrayEquals(bytes, dump().toByteArray());
    for (int n = 1; n < bytes.length; n += 7) {
      byte[] cut = Arrays.copyOf(bytes, n);
      if (cut[0] == '{' || cut[0] == ' ' || cut[0] == '\n') {
        continue;
      }
      assertThrows(
          SchemaFormatException.class,
          () -> SchemaFiles.read(new ByteArrayInputStream(cut)),
          "proto cut at " + n);
    }
  }
}
