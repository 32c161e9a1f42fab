package io.vmstate.schema.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.compat.CompatChecker;
import io.vmstate.api.compat.CompatReport;
import io.vmstate.api.compat.Problem;
import io.vmstate.api.schema.SampleDescriptions;
import io.vmstate.api.schema.SchemaExporter;
import io.vmstate.api.schema.proto.Origin;
import io.vmstate.api.schema.proto.SchemaSet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The schema files' formats and the compatibility report's JSON form. */
class SchemaFilesTest {
  @Test
  void extendedJsonAndProtoRoundTripExactly() throws Exception {
    SchemaSet set =
        SchemaExporter.set("virt")
            .add(SampleDescriptions.SAMPLE)
            .add("child", SampleDescriptions.CHILD)
            .build();
    assertEquals(Origin.VMSTATE_JAVA, set.getOrigin());
    for (SchemaFiles.Format format : List.of(SchemaFiles.Format.JSON, SchemaFiles.Format.PROTO)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      SchemaFiles.write(set, out, format);
      SchemaSet back = SchemaFiles.read(new ByteArrayInputStream(out.toByteArray()));
      assertEquals(set, back, format.name());
    }
  }

  @Test
  void qemuFlavorWritesOnlyQemuMembers() {
    SchemaSet set = SchemaExporter.set("virt").add(SampleDescriptions.SAMPLE).build();
    String json = SchemaJsonWriter.toJson(set, SchemaJsonWriter.Flavor.QEMU);
    assertFalse(json.contains("\"type\""));
    assertFalse(json.contains("\"presence\""));
    assertFalse(json.contains("\"origin\""));
    assertTrue(json.startsWith("{\n  \"vmschkmachine\": {\n    \"Name\": \"virt\"\n  },\n"));
    assertTrue(json.contains("\"num\": 8"), "fixed arrays carry num, as QEMU 8.1+ writes");
    assertTrue(json.endsWith("}\n"));
  }

  private static VmStateDescription<SampleDescriptions.S> dev(int version, String... fields) {
    VmStateDescription.Builder<SampleDescriptions.S> b =
        VmStateDescription.<SampleDescriptions.S>named("dev").version(version);
    for (String f : fields) {
      b.uint32(f, o -> 0, (o, v) -> {});
    }
    return b.build();
  }

  @Test
  void reportJsonListsEveryProblem() throws Exception {
    CompatReport r =
        CompatChecker.standard()
            .check(
                SchemaExporter.export(dev(13, "a", "b")),
                SchemaExporter.export(dev(12, "a", "bee")));
    List<String> messages = new ArrayList<>();
    int errors = -1;
    try (JsonParser p = new JsonFactory().createParser(CompatReportJson.toJson(r))) {
      while (p.nextToken() != null) {
        if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("message")) {
          messages.add(p.nextTextValue());
        } else if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("errors")) {
          p.nextToken();
          errors = p.getIntValue();
        }
      }
    }
    assertEquals(r.errors(), errors);
    assertTrue(errors > 0);
    assertEquals(r.problems().stream().map(Problem::message).toList(), messages);
    assertFalse(r.isCompatible());
  }
}
