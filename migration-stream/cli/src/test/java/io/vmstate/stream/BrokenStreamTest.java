package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.cli.VmStateCli;
import io.vmstate.stream.vmdesc.JsonTree;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cut, empty, foreign and description-less streams through the CLI (issue 12 §1), and the exit
 * codes and messages a debugging user meets (§4).
 */
class BrokenStreamTest {
  private static final String NAME = "virt-gicv3-smp2";

  /** One CLI run: exit status, stdout, stderr. */
  record Run(int rc, String out, String err) {}

  static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int rc = VmStateCli.run(args, out, new PrintWriter(err));
    return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String json) throws Exception {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return (Map<String, Object>) JsonTree.parse(b, 0, b.length, 0);
  }

  @Test
  void emptyForeignAndCutInputsEachGetTheirOwnMessage(@TempDir Path dir) throws Exception {
    Path empty = Files.write(dir.resolve("empty"), new byte[0]);
    Path text = Files.writeString(dir.resolve("notes.txt"), "hello\n");
    Path cut = Files.write(dir.resolve("cut"), Arrays.copyOf(Fixtures.stream(NAME), 6));
    for (String cmd : List.of("dump", "sections", "verify")) {
      Run e = cli(cmd, empty.toString());
      assertEquals(1, e.rc(), e.err());
      assertTrue(e.err().contains("is empty (0 bytes)"), e.err());
      Run t = cli(cmd, text.toString());
      assertEquals(1, t.rc(), t.err());
      assertTrue(t.err().contains("is not a QEMU migration stream"), t.err());
      Run c = cli(cmd, cut.toString());
      assertEquals(1, c.rc(), c.err());
      assertTrue(c.err().contains("stream cut at byte 6"), c.err());
      Run d = cli(cmd, dir.toString());
      assertEquals(2, d.rc(), d.err());
      assertTrue(d.err().contains("is a directory"), d.err());
    }
  }

  /**
   * Every sampled cut of a real QEMU stream: exit 1, one parseable JSON document whose sections are
   * the whole stream's first ones with the same values (the last may be the RAM section, cut
   * inside), and a message naming the byte where the stream ends.
   */
  @Test
  void dumpOfACutStreamPrintsThePrefixDecodedBeforeTheBreak(@TempDir Path dir) throws Exception {
    byte[] whole = Fixtures.stream(NAME);
    Path full = Files.write(dir.resolve("full.qemu"), whole);
    Map<String, Object> expected = parse(Fixtures.golden(NAME, "state"));
    List<String> keys = new ArrayList<>(expected.keySet());
    Run again = cli("dump", full.toString(), "--desc-from", full.toString());
    assertEquals(Fixtures.golden(NAME, "state"), again.out(), "--desc-from leaves whole streams");
    TreeSet<Integer> cuts = new TreeSet<>();
    for (int n = 1; n < 400; n++) {
      cuts.add(n); // header, configuration, RAM block list
    }
    for (int n = 400; n < whole.length; n += 4999) {
      cuts.add(n); // through the RAM pages
    }
    for (int n = 357_000; n < whole.length; n += 97) {
      cuts.add(n); // every device section several times, the EOF and the vmdesc trailer
    }
    cuts.add(22); // inside the configuration's subsection header
    cuts.add(368_024); // inside arm_gicv3's last subsection header
    int eof = whole.length - Fixtures.golden(NAME, "desc").length(); // about: only a bound
    int longest = 0;
    for (int n : cuts) {
      Path cut = Files.write(dir.resolve("cut.qemu"), Arrays.copyOf(whole, n));
      Run r = cli("dump", cut.toString(), "--desc-from", full.toString());
      if (r.rc() == 0) {
        // cut just after EOF: a stream without its vmdesc trailer, as suppress-vmdesc sends it
        assertTrue(n > eof - 64 && whole[n - 1] == StreamFormat.EOF, "exit 0 at " + n);
        assertEquals(Fixtures.golden(NAME, "state"), r.out());
        continue;
      }
      assertEquals(1, r.rc(), n + ": " + r.err());
      assertTrue(r.err().contains("stream cut at byte " + n), n + ": " + r.err());
      Map<String, Object> got = parse(r.out());
      List<String> gotKeys = new ArrayList<>(got.keySet());
      assertEquals(keys.subList(0, gotKeys.size()), gotKeys, "sections at " + n);
      for (String k : gotKeys) {
        if (!k.startsWith("ram ")) {
          assertEquals(expected.get(k), got.get(k), k + " at " + n);
        }
      }
      longest = Math.max(longest, gotKeys.size());
    }
    assertEquals(keys.size(), longest, "the last cuts print every section");
  }

  @Test
  void withoutDescriptionsTheBreakNamesTheSectionAndTheRemedy(@TempDir Path dir) throws Exception {
    byte[] whole = Fixtures.stream(NAME);
    Path cut = Files.write(dir.resolve("cut.qemu"), Arrays.copyOf(whole, 370_000));
    Run d = cli("dump", cut.toString());
    assertEquals(1, d.rc(), d.err());
    // the GIC sections decode with our typed descriptions and print as the analyzer prints them
    // from the whole stream; the break is the first device we have no description of
    Map<String, Object> got = parse(d.out());
    assertEquals(
        List.of("ram (2)", "arm_gicv3 (10)", "arm_gicv3_its (11)"), new ArrayList<>(got.keySet()));
    Map<String, Object> analyzer = parse(Fixtures.golden(NAME, "state"));
    assertEquals(analyzer.get("arm_gicv3 (10)"), got.get("arm_gicv3 (10)"));
    assertEquals(analyzer.get("arm_gicv3_its (11)"), got.get("arm_gicv3_its (11)"));
    assertTrue(d.err().contains("no description for section 'timer' instance 0"), d.err());
    assertTrue(d.err().contains("pass --desc-from"), d.err());
    Run s = cli("sections", cut.toString());
    assertEquals(1, s.rc(), s.err());
    assertEquals(6, s.out().lines().count(), s.out()); // title, ram START, PART, END, the GICs
    assertTrue(s.out().contains("arm_gicv3_its"), s.out());
    Run v0 = cli("verify", cut.toString());
    assertEquals(1, v0.rc(), v0.err());
    assertTrue(v0.err().contains("no description for section 'timer'"), v0.err());
    Path desc = Files.writeString(dir.resolve("desc.json"), Fixtures.golden(NAME, "desc"));
    Run sd = cli("sections", cut.toString(), "--desc-from", desc.toString());
    assertEquals(1, sd.rc(), sd.err());
    assertTrue(sd.out().contains("cpu_common"), sd.out());
    assertTrue(sd.err().contains("stream cut at byte 370000"), sd.err());
    assertTrue(sd.err().contains("cpu/cpreg_vmstate_indexes"), sd.err());
    Run v = cli("verify", cut.toString(), "--desc-from", desc.toString());
    assertEquals(1, v.rc(), v.err());
    assertTrue(v.err().contains("stream cut at byte 370000"), v.err());
  }

  @Test
  void streamTextInAnErrorReachesTheTerminalEscaped(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(new byte[] {'Q', 'E', 'V', 'M', 0, 0, 0, 3});
    b.write(new byte[] {0x04, 0, 0, 0, 1, 7}); // FULL section 1, a 7-byte idstr
    b.write("a\u001b[2J\n".getBytes(StandardCharsets.US_ASCII));
    b.write(new byte[] {'x', 0, 0, 0, 0, 0, 0, 0, 1}); // instance 0, version 1
    Path f = Files.write(dir.resolve("evil.qemu"), b.toByteArray());
    Run r = cli("sections", f.toString());
    assertEquals(1, r.rc(), r.err());
    assertTrue(r.err().contains("'a\\x1b[2J\\nx'"), r.err());
    assertFalse(r.err().chars().anyMatch(c -> c == 0x1b), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  @Test
  void diffExitsZeroOneOrTwoAsDiffDoes(@TempDir Path dir) throws Exception {
    Path a = Files.write(dir.resolve("a.qemu"), Fixtures.stream(NAME));
    Path b = Files.write(dir.resolve("b.qemu"), Fixtures.stream("gicv3-its-4cpu"));
    Path cut = Files.write(dir.resolve("cut.qemu"), Arrays.copyOf(Fixtures.stream(NAME), 1000));
    assertEquals(0, cli("diff", a.toString(), a.toString()).rc());
    assertEquals(1, cli("diff", a.toString(), b.toString()).rc());
    assertEquals(2, cli("diff", a.toString(), cut.toString()).rc());
    assertEquals(2, cli("diff", a.toString(), dir.resolve("missing").toString()).rc());
    assertEquals(2, cli("diff", a.toString()).rc());
  }

  @Test
  void extractRefusesANonEmptyFolderAndItsStateIsDumpsOutput(@TempDir Path dir) throws Exception {
    Path f = Files.write(dir.resolve("vm.qemu"), Fixtures.stream(NAME));
    Path out = dir.resolve("out");
    assertEquals(0, cli("extract", f.toString(), out.toString()).rc());
    assertEquals(
        cli("dump", f.toString()).out(), Files.readString(out.resolve("state.json")), "state.json");
    Run again = cli("extract", f.toString(), out.toString());
    assertEquals(2, again.rc());
    assertTrue(again.err().contains("is not empty; pass --force"), again.err());
    assertEquals(0, cli("extract", "--force", f.toString(), out.toString()).rc());
    assertFalse(Files.exists(out.resolve("INCOMPLETE")));
  }

  @Test
  void aBrokenExtractSaysSoInTheFolder(@TempDir Path dir) throws Exception {
    byte[] whole = Fixtures.stream(NAME);
    Path cut = Files.write(dir.resolve("cut.qemu"), Arrays.copyOf(whole, whole.length - 2000));
    Path f = Files.write(dir.resolve("vm.qemu"), whole);
    Path out = dir.resolve("out");
    Run r = cli("extract", "--desc-from", f.toString(), cut.toString(), out.toString());
    assertEquals(1, r.rc(), r.err());
    String why = Files.readString(out.resolve("INCOMPLETE"));
    assertTrue(
        why.startsWith("extracted up to the break; the rest of the stream is missing: "), why);
    assertTrue(r.out().endsWith("INCOMPLETE\n"), r.out());
    // A whole extract into the same folder (--force) clears the marker.
    assertEquals(0, cli("extract", "--force", f.toString(), out.toString()).rc());
    assertFalse(Files.exists(out.resolve("INCOMPLETE")));
  }

  @Test
  void dashReadsStandardInputAndSubcommandsPrintTheVersion() throws Exception {
    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream(Fixtures.stream(NAME)));
      Run r = cli("dump", "-");
      assertEquals(0, r.rc(), r.err());
      assertEquals(Fixtures.golden(NAME, "state"), r.out());
    } finally {
      System.setIn(saved);
    }
    for (String cmd : List.of("dump", "sections", "verify", "diff", "extract", "schema")) {
      Run v = cli(cmd, "-V");
      assertEquals(0, v.rc(), cmd);
      assertEquals("vmstate 0.1.0\n", v.out(), cmd);
    }
  }
}
