package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.cli.VmStateCli;
import io.vmstate.dump.PythonJson;
import io.vmstate.stream.vmdesc.JsonTree;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The byte path of {@code vmstate dump} (stdout as bytes) and the vmdesc reading under it. */
class DumpOutputTest {
  static final List<String> NAMES = Fixtures.NAMES;

  private static String cliBytes(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int rc = VmStateCli.run(args, out, new PrintWriter(err));
    assertEquals(0, rc, err.toString());
    return out.toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @FieldSource("NAMES")
  void dumpAsBytesMatchesTheAnalyzer(String name, @TempDir Path dir) throws Exception {
    Path f = dir.resolve(name.replace('/', '-') + ".qemu");
    Files.write(f, Fixtures.stream(name));
    assertEquals(Fixtures.golden(name, "state"), cliBytes("dump", f.toString()));
    assertEquals(Fixtures.golden(name, "desc"), cliBytes("dump", "-d", f.toString()));
    assertEquals(
        Fixtures.golden(name, "state"), cliBytes("dump", "--schema", "vmdesc", f.toString()));
  }

  @Test
  void byteAndCharGeneratorsEscapeAlike() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("plain", "abc");
    m.put("ctl\u0001\u001f\u007f", "q\"b\\s/n\nr\rt\tb\bf\f");
    m.put("latin é", "\u00e9\u00ff\u0100");
    m.put("astral", "\ud83d\ude00 \u2028");
    m.put("nested", List.of(List.of(), Map.of(), 1L, true, JsonTree.NULL));
    StringWriter sw = new StringWriter();
    JsonGenerator a = PythonJson.generator(sw);
    PythonJson.writeTree(a, m);
    a.flush();
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    JsonGenerator b = PythonJson.generator(bo);
    PythonJson.writeTree(b, m);
    b.flush();
    assertEquals(sw.toString(), bo.toString(StandardCharsets.US_ASCII));
    assertEquals(
        "\"astral\": \"\\ud83d\\ude00 \\u2028\"",
        sw.toString()
            .lines()
            .filter(l -> l.contains("astral"))
            .findFirst()
            .orElseThrow()
            .trim()
            .replaceAll(",$", ""));
  }

  @Test
  void jsonObjectsKeepOrderAndTakeTheLastValueOfARepeatedKey() throws Exception {
    StringBuilder big = new StringBuilder("{");
    for (int i = 0; i < 40; i++) {
      big.append(i == 0 ? "" : ",").append("\"k").append(39 - i).append("\":").append(i);
    }
    big.append(",\"k5\":\"again\"}");
    String text = "{\"b\":1,\"a\":2,\"b\":3,\"big\":" + big + "}";
    byte[] json = text.getBytes(StandardCharsets.UTF_8);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) JsonTree.parse(json, 0, json.length, 0);
    assertEquals(List.of("b", "a", "big"), new ArrayList<>(m.keySet()));
    assertEquals(3L, m.get("b"));
    @SuppressWarnings("unchecked")
    Map<String, Object> b = (Map<String, Object>) m.get("big");
    assertEquals(40, b.size());
    assertEquals("again", b.get("k5"));
    assertEquals("k39", b.keySet().iterator().next());
    Map<String, Object> copy = new LinkedHashMap<>(b);
    assertEquals(copy, b);
    assertEquals(copy.hashCode(), b.hashCode());
    b.remove("k39");
    b.entrySet().removeIf(e -> e.getKey().equals("k0"));
    assertEquals(38, b.size());
    assertNull(b.get("k39"));
    assertEquals(1L, b.get("k38"));
  }

  @Test
  void locatorFindsALargeTrailerAndRespectsTheBound(@TempDir Path dir) throws Exception {
    StringBuilder sb = new StringBuilder("{\"page_size\":4096,\"devices\":[");
    for (int i = 0; i < 20000; i++) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"name\":\"dev\",\"instance_id\":")
          .append(i)
          .append(",\"vmsd_name\":\"dev\",\"version\":1,\"fields\":[]}");
    }
    byte[] json = sb.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.write(new byte[] {'x', 'y', 0x00, 0x06});
    file.write(new byte[] {0x00, (byte) (json.length >>> 16), (byte) (json.length >>> 8), 0});
    byte[] bytes = file.toByteArray();
    bytes[7] = (byte) json.length;
    Path f = dir.resolve("big.qemu");
    Files.write(f, bytes);
    Files.write(f, json, java.nio.file.StandardOpenOption.APPEND);
    Vmdesc v = VmdescLocator.locate(f, Vmdesc.DEFAULT_MAX_BYTES);
    assertNotNull(v);
    assertEquals(20000, v.devices().size());
    assertEquals(json.length, v.jsonLength());
    assertNull(VmdescLocator.locate(f, json.length - 1));
  }
}
