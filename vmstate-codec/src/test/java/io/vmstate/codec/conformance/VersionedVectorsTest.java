package io.vmstate.codec.conformance;

import static io.vmstate.codec.testing.WireHarness.assertLoadVector;
import static io.vmstate.codec.testing.WireHarness.assertSaves;
import static io.vmstate.codec.testing.WireHarness.items;
import static io.vmstate.codec.testing.WireHarness.loadFails;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmstate.api.VersionMismatchException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.testing.Hex;
import org.junit.jupiter.api.Test;

/**
 * Reference §8.3 vectors 3 and 4: {@code /vmstate/versioned/load/v1|v2} (fields gated on the stream
 * version) and {@code /vmstate/field_exists/...} (fields gated on a predicate, on save and load).
 */
class VersionedVectorsTest {
  static final class Abcdef {
    int a;
    int b;
    int c;
    long d;
    int e;
    long f;
    boolean skipCe;

    static Abcdef of(int a, int b, int c, long d, int e, long f) {
      Abcdef x = new Abcdef();
      x.a = a;
      x.b = b;
      x.c = c;
      x.d = d;
      x.e = e;
      x.f = f;
      return x;
    }
  }

  static final VmStateDescription<Abcdef> VERSIONED =
      VmStateDescription.<Abcdef>named("test/versioned")
          .version(2)
          .minimumVersion(1)
          .uint32("a", x -> x.a, (x, v) -> x.a = v)
          .uint32("b", x -> x.b, (x, v) -> x.b = v)
          .since(2)
          .uint32("c", x -> x.c, (x, v) -> x.c = v)
          .uint64("d", x -> x.d, (x, v) -> x.d = v)
          .uint32("e", x -> x.e, (x, v) -> x.e = v)
          .since(2)
          .uint64("f", x -> x.f, (x, v) -> x.f = v)
          .since(2)
          .build();

  static final VmStateDescription<Abcdef> SKIP =
      VmStateDescription.<Abcdef>named("test/skip")
          .version(2)
          .minimumVersion(1)
          .uint32("a", x -> x.a, (x, v) -> x.a = v)
          .uint32("b", x -> x.b, (x, v) -> x.b = v)
          .uint32("c", x -> x.c, (x, v) -> x.c = v)
          .onlyIf((x, version) -> !x.skipCe)
          .uint64("d", x -> x.d, (x, v) -> x.d = v)
          .uint32("e", x -> x.e, (x, v) -> x.e = v)
          .onlyIf((x, version) -> !x.skipCe)
          .uint64("f", x -> x.f, (x, v) -> x.f = v)
          .since(2)
          .build();

  static final String V1 = "00 00 00 0a | 00 00 00 1e | 00 00 00 00 00 00 00 28";
  static final String V2 =
      "00 00 00 0a 00 00 00 14 00 00 00 1e 00 00 00 00 00 00 00 28 00 00 00 32 00 00 00 00 00 00"
          + " 00 3c";

  static Abcdef preset() {
    return Abcdef.of(0, 200, 0, 0, 500, 600);
  }

  @Test
  void versionedLoadV1SkipsTheV2FieldsAndLeavesThemAlone() throws Exception {
    assertLoadVector(
        VERSIONED,
        VersionedVectorsTest::preset,
        1,
        Hex.withEof(V1),
        items(4, 4, 8),
        x -> assertAbcdef(x, 10, 200, 30, 40, 500, 600));
  }

  @Test
  void versionedLoadV2ReadsEveryField() throws Exception {
    assertLoadVector(
        VERSIONED,
        VersionedVectorsTest::preset,
        2,
        Hex.withEof(V2),
        items(4, 4, 4, 8, 4, 8),
        x -> assertAbcdef(x, 10, 20, 30, 40, 50, 60));
  }

  @Test
  void versionedSavesAtItsOwnVersion() throws Exception {
    assertSaves(VERSIONED, Abcdef.of(10, 20, 30, 40, 50, 60), Hex.bytes(V2));
  }

  @Test
  void versionOutsideTheWindowFailsBeforeReading() {
    VmStateDecodeException tooNew =
        loadFails(VERSIONED, preset(), WireInput.of(Hex.withEof(V2)), 3);
    assertEquals(VersionMismatchException.class, tooNew.getClass());
    assertEquals(
        "test/versioned: incoming version_id 3 of 'test/versioned' is too new for local"
            + " version_id 2 (at byte 0)",
        tooNew.getMessage());
    VmStateDecodeException tooOld =
        loadFails(VERSIONED, preset(), WireInput.of(Hex.withEof(V2)), 0);
    assertEquals(
        "incoming version_id 0 of 'test/versioned' is too old for local minimum version_id 1",
        tooOld.reason());
  }

  @Test
  void fieldExistsSaveNoskip() throws Exception {
    assertSaves(
        SKIP,
        Abcdef.of(1, 2, 3, 4, 5, 6),
        Hex.bytes(
            "00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 00 00 00 00 04 00 00 00 05 00 00 00 00"
                + " 00 00 00 06"));
  }

  @Test
  void fieldExistsSaveSkip() throws Exception {
    Abcdef x = Abcdef.of(1, 2, 3, 4, 5, 6);
    x.skipCe = true;
    assertSaves(
        SKIP,
        x,
        Hex.bytes("00 00 00 01 00 00 00 02 00 00 00 00 00 00 00 04 00 00 00 00 00 00 00 06"));
  }

  @Test
  void fieldExistsLoadNoskip() throws Exception {
    assertLoadVector(
        SKIP,
        Abcdef::new,
        2,
        Hex.withEof(V2),
        items(4, 4, 4, 8, 4, 8),
        x -> assertAbcdef(x, 10, 20, 30, 40, 50, 60));
  }

  @Test
  void fieldExistsLoadSkipLeavesTheSkippedFieldsAlone() throws Exception {
    assertLoadVector(
        SKIP,
        () -> {
          Abcdef x = Abcdef.of(0, 0, 300, 0, 500, 0);
          x.skipCe = true;
          return x;
        },
        2,
        Hex.withEof("00 00 00 0a 00 00 00 14 00 00 00 00 00 00 00 28 00 00 00 00 00 00 00 3c"),
        items(4, 4, 8, 8),
        x -> assertAbcdef(x, 10, 20, 300, 40, 500, 60));
  }

  @Test
  void fieldExistsPredicateSeesTheVersionBeingProcessed() throws Exception {
    int[] seen = new int[2];
    VmStateDescription<Abcdef> d =
        VmStateDescription.<Abcdef>named("test/seen")
            .version(5)
            .minimumVersion(1)
            .uint32("a", x -> x.a, (x, v) -> x.a = v)
            .onlyIf(
                (x, version) -> {
                  seen[x.skipCe ? 1 : 0] = version;
                  return version >= 3;
                })
            .build();
    Abcdef x = Abcdef.of(7, 0, 0, 0, 0, 0);
    assertSaves(d, x, Hex.bytes("00 00 00 07"));
    assertEquals(5, seen[0]);
    Abcdef y = new Abcdef();
    y.skipCe = true;
    io.vmstate.codec.VmStateCodec.DEFAULT.load(d, y, Hex.bytes("00 00 00 07"), 2);
    assertEquals(2, seen[1]);
    assertEquals(0, y.a, "version 2 < 3: the field does not exist");
  }

  static void assertAbcdef(Abcdef x, int a, int b, int c, long d, int e, long f) {
    assertEquals(a, x.a, "a");
    assertEquals(b, x.b, "b");
    assertEquals(c, x.c, "c");
    assertEquals(d, x.d, "d");
    assertEquals(e, x.e, "e");
    assertEquals(f, x.f, "f");
  }
}
