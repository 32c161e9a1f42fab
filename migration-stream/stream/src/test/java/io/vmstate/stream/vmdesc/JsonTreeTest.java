package io.vmstate.stream.vmdesc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.testkit.fixtures.Json;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our JSON reader against jackson-core's parser (the oracle): the same trees, member order
 * included, for hand-written and random documents and for the vmdesc of every committed QEMU
 * stream; typed errors with the offset for malformed and truncated text; sharing by bytes.
 */
class JsonTreeTest {

  private static Object ours(String text) throws VmStateDecodeException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return JsonTree.parse(b, 0, b.length, 0);
  }

  /** The tree jackson reads (the test kit's reader), JSON null as {@link JsonTree#NULL}. */
  private static Object jackson(byte[] b) {
    return Json.parse(b);
  }

  /** Equal values, with maps compared in member order too. */
  private static void assertSameTree(Object expected, Object actual) {
    if (expected == null) {
      assertSame(JsonTree.NULL, actual);
    } else if (expected instanceof Map<?, ?> e) {
      assertTrue(actual instanceof Map<?, ?>, () -> "not an object: " + actual);
      Map<?, ?> a = (Map<?, ?>) actual;
      assertEquals(new ArrayList<>(e.keySet()), new ArrayList<>(a.keySet()));
      for (Object k : e.keySet()) {
        assertSameTree(e.get(k), a.get(k));
      }
    } else if (expected instanceof List<?> e) {
      assertTrue(actual instanceof List<?>, () -> "not an array: " + actual);
      List<?> a = (List<?>) actual;
      assertEquals(e.size(), a.size());
      for (int i = 0; i < e.size(); i++) {
        assertSameTree(e.get(i), a.get(i));
      }
    } else {
      assertEquals(expected, actual);
    }
  }

  private static void assertLikeJackson(String text) throws Exception {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    assertSameTree(jackson(b), JsonTree.parse(b, 0, b.length, 0));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "[]",
        " { } ",
        "\t[\n1 ,\r\n2 ]\n",
        "0",
        "-0",
        "\"x\"",
        "true",
        "false",
        "null",
        "[1, -1, 0, 9223372036854775807, -9223372036854775808, 9223372036854775808,"
            + " -9223372036854775809, 123456789012345678901234567890, 1.5, -2.25e3, 1E-2, 0.0,"
            + " 1e400]",
        "{\"a\": {\"b\": [true, false, null, {}]}, \"c\": \"\"}",
        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\", \"\\uD800\"]",
        "[\"caf\u00e9 \u20ac \uD83D\uDE00\", \"a\u00e9\\n\u00e9b\"]",
        "{\"k\": 1, \"k\": 2, \"j\": 3}",
        "[[[[[[[[[[1]]]]]]]]]]"
      })
  void readsWhatJacksonReads(String text) throws Exception {
    assertLikeJackson(text);
  }

  @Test
  void numbersKeepTheirJavaTypes() throws Exception {
    List<?> l = (List<?>) ours("[7, 9223372036854775808, 2.5, -12345678901234567]");
    assertEquals(7L, l.get(0));
    assertEquals(new BigInteger("9223372036854775808"), l.get(1));
    assertEquals(2.5, l.get(2));
    assertEquals(-12345678901234567L, l.get(3));
  }

  @Test
  void randomDocumentsReadAsJacksonReadsThem() throws Exception {
    Random rnd = new Random(20261122);
    for (int i = 0; i < 400; i++) {
      StringBuilder sb = new StringBuilder();
      randomValue(rnd, sb, 0);
      assertLikeJackson(sb.toString());
    }
  }

  private static void randomValue(Random rnd, StringBuilder sb, int depth) {
    int kind = rnd.nextInt(depth > 4 ? 6 : 8);
    space(rnd, sb);
    switch (kind) {
      case 0 -> sb.append(rnd.nextBoolean() ? "true" : "false");
      case 1 -> sb.append("null");
      case 2 -> sb.append(rnd.nextLong() >> rnd.nextInt(64));
      case 3 -> sb.append(rnd.nextInt(2000) - 1000).append('.').append(rnd.nextInt(1000));
      case 4, 5 -> randomString(rnd, sb);
      case 6 -> {
        sb.append('[');
        int n = rnd.nextInt(5);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            sb.append(',');
          }
          randomValue(rnd, sb, depth + 1);
        }
        space(rnd, sb);
        sb.append(']');
      }
      default -> {
        sb.append('{');
        int n = rnd.nextInt(5);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            sb.append(',');
          }
          space(rnd, sb);
          randomString(rnd, sb);
          space(rnd, sb);
          sb.append(':');
          randomValue(rnd, sb, depth + 1);
        }
        space(rnd, sb);
        sb.append('}');
      }
    }
    space(rnd, sb);
  }

  private static void space(Random rnd, StringBuilder sb) {
    if (rnd.nextInt(3) == 0) {
      sb.append(" \t\n\r".charAt(rnd.nextInt(4)));
    }
  }

  private static void randomString(Random rnd, StringBuilder sb) {
    sb.append('"');
    int n = rnd.nextInt(12);
    for (int i = 0; i < n; i++) {
      switch (rnd.nextInt(8)) {
        case 0 -> sb.append("\\n");
        case 1 -> sb.append(String.format("\\u%04x", rnd.nextInt(0xd800)));
        case 2 -> sb.append('\u00e9');
        case 3 -> sb.append("\uD83D\uDE00");
        case 4 -> sb.append("\\\"");
        default -> sb.append((char) ('a' + rnd.nextInt(26)));
      }
    }
    sb.append('"');
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "testkit/streams/gicv2-1cpu",
        "testkit/streams/gicv2-virt",
        "testkit/streams/gicv3-its-4cpu",
        "testkit/streams/gicv3-64cpu",
        "testkit/streams/gicv3-virt-6.2",
        "testkit/streams/virt-gicv3-smp2"
      })
  void everyCommittedVmdescReadsAsJacksonReadsIt(String name) throws Exception {
    byte[] json = vmdescOf(name);
    Object expected = jackson(json);
    assertSameTree(expected, JsonTree.parse(json, 0, json.length, 0));
    assertSameTree(expected, JsonTree.parse(json, 0, json.length, 0, 3));
    assertSameTree(expected, Vmdesc.parse(json, 0).root());
  }

  private static byte[] vmdescOf(String name) throws Exception {
    String resource = "/io/vmstate/" + name + ".qemu";
    byte[] stream;
    try (InputStream in = JsonTreeTest.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + resource);
      }
      stream = in.readAllBytes();
    }
    Vmdesc v = VmdescLocator.scan(stream, 0);
    return v.json();
  }

  @Test
  void byteIdenticalValuesAtTheSharingDepthAreOneObject() throws Exception {
    String fields = "[{\"name\": \"r\", \"array_len\": 4, \"type\": \"uint64\", \"size\": 8}]";
    String other = "[{\"name\": \"q\", \"array_len\": 4, \"type\": \"uint64\", \"size\": 8}]";
    String text =
        "{\"devices\": [{\"name\": \"cpu\", \"instance_id\": 0, \"fields\": "
            + fields
            + "}, {\"name\": \"cpu\", \"instance_id\": 1, \"fields\": "
            + fields
            + "}, {\"name\": \"x\", \"instance_id\": 0, \"fields\": "
            + other
            + "}, {\"name\": \"y\", \"instance_id\": 0, \"fields\":"
            + fields.replace(", ", ",")
            + "}]}";
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    Map<?, ?> root = (Map<?, ?>) JsonTree.parse(b, 0, b.length, 0, 3);
    List<?> devices = (List<?>) root.get("devices");
    Object f0 = ((Map<?, ?>) devices.get(0)).get("fields");
    Object f1 = ((Map<?, ?>) devices.get(1)).get("fields");
    Object f2 = ((Map<?, ?>) devices.get(2)).get("fields");
    Object f3 = ((Map<?, ?>) devices.get(3)).get("fields");
    assertSame(f0, f1);
    assertNotSame(f0, f2);
    assertNotSame(f0, f3); // equal, but other bytes
    assertEquals(f0, f3);
    assertSameTree(jackson(b), root);
    Map<?, ?> plain = (Map<?, ?>) JsonTree.parse(b, 0, b.length, 0);
    List<?> plainDevices = (List<?>) plain.get("devices");
    assertNotSame(
        ((Map<?, ?>) plainDevices.get(0)).get("fields"),
        ((Map<?, ?>) plainDevices.get(1)).get("fields"));
  }

  @Test
  void manyDistinctValuesWithOnePrefixStillReadInLinearTime() throws Exception {
    // 20000 device entries whose fields lists share a long prefix but all differ at the end: each
    // is compared with a bounded number of earlier ones. Comparing each with all earlier ones would
    // take minutes (4e10 byte comparisons); the generous timeout guards against that, it does not
    // measure speed (this takes about a second).
    String prefix = "[{\"name\": \"" + "p".repeat(200) + "\", \"type\": \"uint32\", \"size\": ";
    StringBuilder sb = new StringBuilder("{\"devices\": [");
    for (int i = 0; i < 20000; i++) {
      sb.append(i == 0 ? "" : ", ")
          .append("{\"name\": \"d\", \"instance_id\": ")
          .append(i)
          .append(", \"fields\": ")
          .append(prefix)
          .append(i)
          .append("}]}");
    }
    byte[] b = sb.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
    Map<?, ?> root =
        assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(20),
            () -> (Map<?, ?>) JsonTree.parse(b, 0, b.length, 0, 3));
    List<?> devices = (List<?>) root.get("devices");
    assertEquals(20000, devices.size());
    Map<?, ?> last = (Map<?, ?>) ((List<?>) ((Map<?, ?>) devices.get(19999)).get("fields")).get(0);
    assertEquals(19999L, last.get("size"));
  }

  @Test
  void sharedLayoutsMakeOneLayoutKey() throws Exception {
    byte[] json = vmdescOf("testkit/streams/gicv3-64cpu");
    Vmdesc v = Vmdesc.parse(json, 0);
    Map<String, Object> cpu0 = v.device("cpu", 0);
    Map<String, Object> cpu63 = v.device("cpu", 63);
    assertNotSame(cpu0, cpu63);
    assertSame(cpu0.get("fields"), cpu63.get("fields"));
    assertEquals(Vmdesc.layout(cpu0), Vmdesc.layout(cpu63));
    assertEquals(Vmdesc.layout(cpu0).hashCode(), Vmdesc.layout(cpu63).hashCode());
    assertTrue(!Vmdesc.layout(cpu0).equals(Vmdesc.layout(v.device("arm_gicv3", 0))));
  }

  /** Malformed text and where the error is reported (the base offset added). */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"a\" 1}|5",
        "{\"a\": 1,}|8",
        "[1 2]|3",
        "[1,]|3",
        "{a: 1}|1",
        "tru|0",
        "nul|0",
        "[01]|2",
        "[-]|1",
        "[1.]|3",
        "[1e]|3",
        "[\"\\x\"]|3",
        "[\"\\u12g4\"]|6",
        "[\"a\nb\"]|3",
        "{\"a\": 1} x|9",
        "[1] [2]|4",
        "\"abc|4",
        "[|1",
        "{|1",
        "{\"a\"|4"
      })
  void malformedTextIsADecodeErrorAtItsOffset(String testCase) {
    int bar = testCase.lastIndexOf('|');
    byte[] b = testCase.substring(0, bar).getBytes(StandardCharsets.UTF_8);
    long at = 1000 + Long.parseLong(testCase.substring(bar + 1));
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> JsonTree.parse(b, 0, b.length, 1000));
    assertEquals(at, e.offset(), e.getMessage());
    assertTrue(e.getMessage().contains("vmdesc JSON"), e.getMessage());
  }

  @Test
  void invalidUtf8AndEmptyTextAreDecodeErrors() {
    byte[] bad = {'[', '"', (byte) 0xc3, '"', ']'};
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> JsonTree.parse(bad, 0, bad.length, 0));
    assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    assertEquals(2, e.offset());
    byte[] blank = " \n ".getBytes(StandardCharsets.US_ASCII);
    assertThrows(VmStateDecodeException.class, () -> JsonTree.parse(blank, 0, blank.length, 0));
  }

  @Test
  void numbersAreBounded() throws Exception {
    String ok = "[" + "7".repeat(JsonTree.MAX_NUMBER_LENGTH) + "]";
    assertLikeJackson(ok.replace("[7", "[1"));
    byte[] b =
        ("[1, " + "7".repeat(JsonTree.MAX_NUMBER_LENGTH + 1) + "]")
            .getBytes(StandardCharsets.US_ASCII);
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> JsonTree.parse(b, 0, b.length, 0));
    assertEquals(4, e.offset());
    assertTrue(e.getMessage().contains("at most 1000"), e.getMessage());
  }

  @Test
  void nestingIsBounded() {
    String deep = "[".repeat(JsonTree.MAX_DEPTH + 1) + "]".repeat(JsonTree.MAX_DEPTH + 1);
    byte[] b = deep.getBytes(StandardCharsets.US_ASCII);
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> JsonTree.parse(b, 0, b.length, 0));
    assertTrue(e.getMessage().contains("deeper"), e.getMessage());
  }

  @Test
  void everyTruncationIsADecodeError() throws Exception {
    String entry =
        "{\"name\": \"cpu\", \"instance_id\": 0, \"fields\": [{\"name\": \"r\", \"array_len\":"
            + " 4, \"type\": \"uint64\", \"size\": 8, \"x\": [true, false, null, -1.5e3, \"\\u00e9\\n\"]}]}";
    byte[] json =
        ("{\"page_size\": 4096, \"devices\": [" + entry + ", " + entry + "]}")
            .getBytes(StandardCharsets.UTF_8);
    JsonTree.parse(json, 0, json.length, 0, 3);
    for (int n = 0; n < json.length; n++) {
      int len = n;
      assertThrows(
          VmStateDecodeException.class,
          () -> JsonTree.parse(json, 0, len, 0, 3),
          () -> "truncated at " + len);
    }
    byte[] real = vmdescOf("testkit/streams/gicv2-1cpu");
    Random rnd = new Random(7);
    for (int i = 0; i < 300; i++) {
      int len = rnd.nextInt(real.length);
      assertThrows(
          VmStateDecodeException.class,
          () -> JsonTree.parse(real, 0, len, 0, 3),
          () -> "truncated at " + len);
    }
  }

  @Test
  void aSliceOfALargerArrayIsReadAlone() throws Exception {
    byte[] b = "xx[1, {\"a\": \"b\"}]yy".getBytes(StandardCharsets.US_ASCII);
    assertSameTree(List.of(1L, Map.of("a", "b")), JsonTree.parse(b, 2, b.length - 4, 0));
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> JsonTree.parse(b, 2, 5, 100));
    assertEquals(105, e.offset());
  }
}
