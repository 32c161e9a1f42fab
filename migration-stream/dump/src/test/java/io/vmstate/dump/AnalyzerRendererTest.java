package io.vmstate.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.stream.vmdesc.JsonTree;
import io.vmstate.stream.vmdesc.VmdescSchema;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The renderer builds each device's text itself; here it is checked against the generic path (the
 * expected tree written by {@link PythonJson#writeTree}, jackson's pretty printer), for every value
 * form: escaped names, booleans, signed negatives, lists, per-index lists, buffers, empty and
 * nested structs, struct lists, subsections, lists long enough to be handed over in pieces, and at
 * the top level as well as inside an object.
 */
class AnalyzerRendererTest {
  private static final String ENTRY =
      """
      {"vmsd_name": "dev", "version": 1, "fields": [
        {"name": "a\\"b\\u00e9", "type": "uint8", "size": 1},
        {"name": "flag", "type": "bool", "size": 1},
        {"name": "neg", "type": "int32", "size": 4},
        {"name": "list", "array_len": 3, "type": "uint16", "size": 2},
        {"name": "buf", "type": "buffer", "size": 3},
        {"name": "s", "type": "struct", "size": 0,
         "struct": {"vmsd_name": "inner", "version": 1, "fields": []}},
        {"name": "arr", "array_len": 2, "type": "struct", "size": 1,
         "struct": {"vmsd_name": "el", "version": 1,
                    "fields": [{"name": "x", "type": "uint8", "size": 1}]}},
        {"name": "idx", "index": 0, "type": "int8", "size": 1},
        {"name": "idx", "index": 1, "type": "int8", "size": 1},
        {"name": "long", "array_len": 600, "type": "int64", "size": 8}
      ], "subsections": [
        {"vmsd_name": "dev/sub", "version": 1,
         "fields": [{"name": "y", "type": "uint64", "size": 8}]}
      ]}
      """;

  /**
   * The same entry as QEMU releases after 7.2 write it: the last element of a per-element array has
   * no index (reference §5.9); QEMU 10.0's analyzer prints the same list.
   */
  private static final String ENTRY_POST_72 =
      ENTRY.replace("{\"name\": \"idx\", \"index\": 1, \"type\"", "{\"name\": \"idx\", \"type\"");

  private static Map<String, Object> entry() throws VmStateDecodeException {
    return entry(ENTRY);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> entry(String json) throws VmStateDecodeException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return (Map<String, Object>) JsonTree.parse(b, 0, b.length, 0);
  }

  private static byte[] wire() {
    ByteArrayOutputStream w = new ByteArrayOutputStream();
    w.writeBytes(new byte[] {5, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe});
    w.writeBytes(new byte[] {0, 1, 0, 2, (byte) 0x80, 3}); // list
    w.writeBytes(new byte[] {1, 2, 3, 7, 8, 9, (byte) 0xf6}); // buf, arr, idx
    for (int i = 0; i < 600; i++) {
      long v = i % 3 == 0 ? -i : (long) i << 40;
      for (int k = 7; k >= 0; k--) {
        w.write((int) (v >>> (8 * k)));
      }
    }
    w.writeBytes(new byte[] {5, 7, 'd', 'e', 'v', '/', 's', 'u', 'b', 0, 0, 0, 1});
    w.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 11});
    return w.toByteArray();
  }

  private static StateRecord record(Map<String, Object> entry) throws Exception {
    var d = VmdescSchema.describe(entry);
    StateRecord r = new StateRecord("dev");
    VmStateCodec.DEFAULT.load(d, r, wire(), 1);
    return r;
  }

  private static Map<String, Object> expected() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a\"b\u00e9", "0x05");
    m.put("flag", true);
    m.put("neg", "0xfffffffe (-2)");
    m.put("list", List.of("0x0001", "0x0002", "0x8003"));
    m.put("buf", "01 02 03");
    m.put("s", Map.of());
    m.put("arr", List.of(Map.of("x", "0x07"), Map.of("x", "0x08")));
    m.put("idx", List.of("0x09", "0xf6 (-10)"));
    List<Object> longList = new java.util.ArrayList<>();
    for (int i = 0; i < 600; i++) {
      long v = i % 3 == 0 ? -i : (long) i << 40;
      String hex = String.format("0x%016x", v);
      longList.add(v < 0 ? hex + " (" + v + ")" : hex);
    }
    m.put("long", longList);
    m.put("dev/sub", Map.of("y", "0x000000000000000b"));
    return m;
  }

  @Test
  void aDeviceAtTheTopLevelIsWhatTheGenericPathWrites() throws Exception {
    Map<String, Object> entry = entry();
    StringWriter ours = new StringWriter();
    JsonGenerator g = PythonJson.generator(ours);
    AnalyzerRenderer.writeStruct(g, entry, record(entry));
    g.flush();
    StringWriter theirs = new StringWriter();
    JsonGenerator t = PythonJson.generator(theirs);
    PythonJson.writeTree(t, expected());
    t.flush();
    assertEquals(theirs.toString(), ours.toString());
    assertTrue(ours.toString().contains("\"a\\\"b\\u00e9\": \"0x05\""), ours.toString());
  }

  @Test
  void devicesInsideTheDocumentAsBytesAreWhatTheGenericPathWrites() throws Exception {
    Map<String, Object> entry = entry();
    StateRecord rec = record(entry);
    ByteArrayOutputStream ours = new ByteArrayOutputStream();
    JsonGenerator g = PythonJson.generator(ours);
    AnalyzerRenderer r = new AnalyzerRenderer();
    AnalyzerRenderer.Layout layout = AnalyzerRenderer.layout(entry);
    AsciiText text = new AsciiText();
    g.writeStartObject();
    g.writeFieldName("dev (1)");
    r.render(layout, rec, 1, text);
    assertTrue(text.length() > 20_000, "long enough to be handed over in many pieces");
    text.writeValue(g);
    g.writeFieldName("dev (2)");
    r.render(layout, rec, 1, text);
    text.writeValue(g);
    g.writeEndObject();
    g.flush();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("dev (1)", expected());
    doc.put("dev (2)", expected());
    StringWriter theirs = new StringWriter();
    JsonGenerator t = PythonJson.generator(theirs);
    PythonJson.writeTree(t, doc);
    t.flush();
    assertEquals(theirs.toString(), ours.toString(StandardCharsets.UTF_8));
  }

  @Test
  void thePostSevenTwoDialectDecodesAndPrintsAsTheSevenTwoOne() throws Exception {
    assertTrue(!ENTRY_POST_72.equals(ENTRY), "the dialect entry differs from the 7.2 one");
    Map<String, Object> entry = entry(ENTRY_POST_72);
    StringWriter ours = new StringWriter();
    JsonGenerator g = PythonJson.generator(ours);
    AnalyzerRenderer.writeStruct(g, entry, record(entry));
    g.flush();
    StringWriter theirs = new StringWriter();
    JsonGenerator t = PythonJson.generator(theirs);
    PythonJson.writeTree(t, expected());
    t.flush();
    assertEquals(theirs.toString(), ours.toString());
  }

  @Test
  void indexesOutOfOrderAreADecodeError() throws Exception {
    Map<String, Object> entry =
        entry(ENTRY.replace("\"idx\", \"index\": 1,", "\"idx\", \"index\": 2,"));
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> AnalyzerRenderer.layout(entry));
    assertTrue(e.getMessage().contains("has index 2 where 1 was due"), e.getMessage());
    assertThrows(VmStateDecodeException.class, () -> VmdescSchema.describe(entry));
  }

  @Test
  void aFieldTheRecordLacksIsADecodeErrorNamingIt() throws Exception {
    Map<String, Object> entry = entry();
    StringWriter out = new StringWriter();
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () ->
                AnalyzerRenderer.writeStruct(
                    PythonJson.generator(out), entry, new StateRecord("dev")));
    assertTrue(e.getMessage().contains("dev/a\"b\u00e9"), e.getMessage());
  }

  @Test
  void onlyPythonGeneratorsAreAccepted() throws Exception {
    Map<String, Object> entry = entry();
    StateRecord rec = record(entry);
    JsonGenerator plain =
        new com.fasterxml.jackson.core.JsonFactory().createGenerator(new StringWriter());
    assertThrows(
        IllegalArgumentException.class, () -> AnalyzerRenderer.writeStruct(plain, entry, rec));
  }

  /**
   * Hex text (eight bytes at a time, then one at a time) equals Python's {@code ' '.join('%02x' % b
   * ...)} for every length up to 40 at three offsets, every byte value, and writes nothing past its
   * text.
   */
  @Test
  void hexPairsEqualsPythonsJoinForEveryLengthAndOffset() {
    byte[] src = new byte[300];
    for (int i = 0; i < src.length; i++) {
      src[i] = (byte) (i * 7 + 3);
    }
    for (int off : new int[] {0, 1, 5}) {
      for (int len = 0; len <= 40; len++) {
        StringBuilder want = new StringBuilder();
        for (int i = 0; i < len; i++) {
          want.append(i == 0 ? "" : " ").append(String.format("%02x", src[off + i] & 0xff));
        }
        byte[] dst = new byte[2 + 3 * len + 2];
        java.util.Arrays.fill(dst, (byte) '#');
        int end = AnalyzerRenderer.hexPairs(src, off, len, dst, 2);
        assertEquals(want.toString(), new String(dst, 2, end - 2, StandardCharsets.US_ASCII));
        for (int i = 2 + 3 * len; i < dst.length; i++) {
          assertEquals('#', dst[i], "byte " + i + " past the text, len " + len);
        }
      }
    }
    byte[] all = new byte[256];
    for (int v = 0; v < 256; v++) {
      all[v] = (byte) v;
    }
    byte[] dst = new byte[3 * 256];
    String text = new String(dst, 0, AnalyzerRenderer.hexPairs(all, 0, 256, dst, 0));
    for (int v = 0; v < 256; v++) {
      assertEquals(String.format("%02x", v), text.substring(3 * v, 3 * v + 2));
    }
  }
}
