package io.vmstate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every input that ever failed a target (committed under {@code src/test/resources/corpus/TARGET})
 * replays without a finding; and every seed decodes cleanly, so a target that rejects everything
 * cannot pass for a sound one.
 */
class CorpusRegressionTest {
  static Stream<String> targets() {
    return Targets.all().stream().map(FuzzTarget::name);
  }

  @ParameterizedTest
  @MethodSource("targets")
  void seedsDecode(String name) throws Exception {
    FuzzTarget t = Targets.named(name);
    List<Mutator.Seed> seeds = t.seeds();
    assertFalse(seeds.isEmpty());
    for (Mutator.Seed s : seeds) {
      Campaign.Outcome o = new Campaign(t).once(s.bytes());
      assertEquals("ok", o.kind(), s.name() + ": " + o.detail());
    }
  }

  @ParameterizedTest
  @MethodSource("targets")
  void corpusReplays(String name) throws Exception {
    List<byte[]> inputs = corpus(name);
    Campaign.Result r = new Campaign(Targets.named(name)).replay(inputs);
    System.out.print(r);
    assertEquals(
        List.of(), r.findings.stream().map(f -> f.kind() + ": " + f.detail()).toList(), name);
    assertTrue(r.inputs == inputs.size());
  }

  static List<byte[]> corpus(String target) throws IOException, URISyntaxException {
    URL root = CorpusRegressionTest.class.getResource("/corpus/" + target);
    List<byte[]> inputs = new ArrayList<>();
    if (root == null) {
      return inputs;
    }
    try (Stream<Path> files = Files.list(Path.of(root.toURI()))) {
      files
          .sorted()
          .forEach(
              p -> {
                try {
                  inputs.add(Files.readAllBytes(p));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
    return inputs;
  }
}
