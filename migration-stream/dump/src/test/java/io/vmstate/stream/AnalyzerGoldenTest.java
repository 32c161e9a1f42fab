package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.codec.WireOutput;
import io.vmstate.dump.PythonJson;
import io.vmstate.dump.StateDump;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Our dump against QEMU's analyze-migration.py, byte for byte, and rewrite identity. */
class AnalyzerGoldenTest {
  static final java.util.List<String> NAMES = Fixtures.NAMES;

  static String dump(byte[] data, boolean chunk1, StateDump.Schema schema) throws Exception {
    return dump(data, chunk1, schema, false);
  }

  static String dump(byte[] data, boolean chunk1, StateDump.Schema schema, boolean memory)
      throws Exception {
    StringWriter sw = new StringWriter();
    JsonGenerator g = PythonJson.generator(sw);
    new StateDump(Fixtures.reader(data, chunk1), g, memory, schema).run();
    return sw + "\n";
  }

  /**
   * {@code -m}: RAM contents too (zero pages as "Filled with", pages as hex), against the 7.2
   * analyzer's {@code -m} output (docs/testkit.md §4.1 says how it was made).
   */
  @Test
  void memoryMatchesAnalyzer() throws Exception {
    byte[] data = Fixtures.stream("gicv2-1cpu");
    String golden;
    try (InputStream in =
        new GZIPInputStream(
            AnalyzerGoldenTest.class.getResourceAsStream(
                "/io/vmstate/testkit/streams/gicv2-1cpu.analyze-memory.json.gz"))) {
      golden = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(golden.contains("\"memory\": {"));
    assertEquals(golden, dump(data, false, StateDump.Schema.TYPED, true));
    assertEquals(golden, dump(data, true, StateDump.Schema.VMDESC, true));
  }

  @ParameterizedTest
  @FieldSource("NAMES")
  void stateMatchesAnalyzer(String name) throws Exception {
    byte[] data = Fixtures.stream(name);
    String golden = Fixtures.golden(name, "state");
    assertEquals(golden, dump(data, false, StateDump.Schema.VMDESC));
    assertEquals(golden, dump(data, false, StateDump.Schema.TYPED));
    assertEquals(golden, dump(data, true, StateDump.Schema.VMDESC));
  }

  @ParameterizedTest
  @FieldSource("NAMES")
  void descMatchesAnalyzer(String name) throws Exception {
    byte[] data = Fixtures.stream(name);
    StringWriter sw = new StringWriter();
    JsonGenerator g = PythonJson.generator(sw);
    PythonJson.writeTree(g, VmdescLocator.scan(data, 0).root());
    g.flush();
    assertEquals(Fixtures.golden(name, "desc"), sw + "\n");
  }

  @ParameterizedTest
  @FieldSource("NAMES")
  void rewriteIsByteIdentical(String name) throws Exception {
    byte[] data = Fixtures.stream(name);
    for (boolean chunk1 : new boolean[] {false, true}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new StreamRewriter(
              Fixtures.reader(data, chunk1), new MigrationStreamWriter(WireOutput.to(out)), null)
          .run();
      assertArrayEquals(
          data, out.toByteArray(), "rewrite of " + name + " (1-byte reads " + chunk1 + ")");
    }
  }
}
