package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.dump.PythonJson;
import io.vmstate.dump.StateDump;
import io.vmstate.stream.vmdesc.JsonTree;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Typed descriptions stand in for a missing vmdesc (issue 12 §1): every real QEMU 7.2 and 10.0 GIC
 * stream, cut where its vmdesc trailer starts (as suppress-vmdesc sends it) and read 1 byte at a
 * time or whole, dumps every section up to the first device we have no typed description of, each
 * exactly as the analyzer printed it from the whole stream, and breaks there naming that section.
 */
class TypedStandInTest {
  private static final Set<String> TYPED = Set.of("arm_gic", "arm_gicv3", "arm_gicv3_its");

  static List<String> names() {
    return Fixtures.NAMES;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    try {
      return (Map<String, Object>) JsonTree.parse(b, 0, b.length, 0);
    } catch (VmStateException e) {
      throw new AssertionError(json, e);
    }
  }

  @ParameterizedTest
  @MethodSource("names")
  void gicSectionsDecodeWithoutTheVmdesc(String name) throws Exception {
    io.vmstate.cli.gic.GicTypedDescriptions.class.getName(); // the provider is on the class path
    byte[] whole = Fixtures.stream(name);
    long jsonAt = VmdescLocator.scan(whole, 0).offset();
    // the trailer is 0x06, be32 length, JSON: keep everything before it (EOF included)
    byte[] cut = Arrays.copyOf(whole, Math.toIntExact(jsonAt - 5));
    assertEquals(StreamFormat.EOF, cut[cut.length - 1], name);

    Map<String, Object> analyzer = parse(Fixtures.golden(name, "state"));
    List<String> expected = new ArrayList<>();
    String stopAt = null;
    for (String key : analyzer.keySet()) {
      String idstr = key.substring(0, key.lastIndexOf(" ("));
      if (!idstr.equals("ram") && !TYPED.contains(idstr)) {
        stopAt = idstr;
        break;
      }
      expected.add(key);
    }

    for (boolean oneByte : new boolean[] {false, true}) {
      InputStream in = oneByte ? new Fixtures.OneByte(cut) : new ByteArrayInputStream(cut);
      MigrationStreamReader r =
          new MigrationStreamReader(
                  WireInput.of(in), ReaderOptions.DEFAULT.withRequireVmdesc(false))
              .withTypedStandIns();
      StringWriter out = new StringWriter();
      JsonGenerator g = PythonJson.generator(out);
      VmStateException brk = new StateDump(r, g, false, StateDump.Schema.TYPED).runToBreak();
      Map<String, Object> got = parse(out.toString());
      assertEquals(expected, new ArrayList<>(got.keySet()), name + " oneByte=" + oneByte);
      for (String key : expected) {
        if (!key.startsWith("ram ")) {
          assertEquals(analyzer.get(key), got.get(key), name + ": " + key);
        }
      }
      if (stopAt == null) {
        assertNull(brk, name);
      } else {
        assertNotNull(brk, name);
        assertTrue(
            brk instanceof VmStateDecodeException d && d.isMissingDescription(), name + ": " + brk);
        assertTrue(
            brk.getMessage().contains("no description for section '" + stopAt + "'"),
            brk.getMessage());
      }
    }
  }

  /**
   * A device-state file (header, FULL sections with footers, EOF; what {@code receive --framed
   * --device-state-only} writes) holding only a stream's GIC sections: every one of them, GICv2 as
   * well, dumps as the analyzer printed it from the whole stream, and the dump is whole (exit 0).
   */
  @ParameterizedTest
  @MethodSource("names")
  void aDeviceStateFileOfTheGicSectionsDumpsWhole(String name) throws Exception {
    byte[] whole = Fixtures.stream(name);
    MigrationStreamReader all = Fixtures.reader(whole, false);
    WireOutput file = WireOutput.toBytes();
    MigrationStreamWriter w = new MigrationStreamWriter(file);
    w.header();
    List<String> keys = new ArrayList<>();
    for (StreamEvent e = all.next(); e != null; e = all.next()) {
      if (e instanceof StreamEvent.Footer f && TYPED.contains(f.section().section().idstr())) {
        StreamEvent.Section s = f.section();
        w.sectionHeader(SectionType.FULL, s.sectionId(), s.section());
        w.output().writeBytes(Arrays.copyOfRange(whole, (int) s.bodyOffset(), (int) f.offset()));
        w.footer(s.sectionId());
        keys.add(s.section().idstr() + " (" + s.sectionId() + ")");
      }
    }
    w.eof();
    w.flush();
    assertTrue(!keys.isEmpty(), name);
    MigrationStreamReader r =
        new MigrationStreamReader(
                WireInput.of(new Fixtures.OneByte(file.toByteArray())),
                ReaderOptions.DEFAULT.withRequireVmdesc(false))
            .withTypedStandIns();
    StringWriter out = new StringWriter();
    VmStateException brk =
        new StateDump(r, PythonJson.generator(out), false, StateDump.Schema.TYPED).runToBreak();
    assertNull(brk, name);
    Map<String, Object> got = parse(out.toString());
    Map<String, Object> analyzer = parse(Fixtures.golden(name, "state"));
    assertEquals(keys, new ArrayList<>(got.keySet()), name);
    for (String key : keys) {
      assertEquals(analyzer.get(key), got.get(key), name + ": " + key);
    }
  }
}
