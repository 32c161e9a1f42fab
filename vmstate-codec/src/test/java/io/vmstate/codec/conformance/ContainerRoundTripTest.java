package io.vmstate.codec.conformance;

import static io.vmstate.codec.testing.DeepEquals.assertDeepEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.GenericBinding;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.testing.OneByteInputStream;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Randomized round trips of the families the generic mirror refuses (QTAILQ, QLIST, GTree with
 * struct and direct keys, pointer arrays, existence predicates), reusing the conformance
 * descriptions; and the mirror's refusal naming the field.
 */
class ContainerRoundTripTest {
  static <T> void roundTrip(VmStateDescription<T> d, T source, Supplier<T> blank) throws Exception {
    byte[] bytes = VmStateCodec.DEFAULT.saveToBytes(d, source);
    T loaded = blank.get();
    VmStateCodec.DEFAULT.load(d, loaded, bytes, d.version());
    assertDeepEquals(source, loaded);
    T trickled = blank.get();
    VmStateCodec.DEFAULT.load(
        d, trickled, WireInput.of(new OneByteInputStream(bytes)), d.version());
    assertDeepEquals(source, trickled);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
  void containersAndPointersRoundTrip(long seed) throws Exception {
    Random r = new Random(seed);

    ContainerVectorsTest.Queue q = new ContainerVectorsTest.Queue();
    q.i16 = (short) r.nextInt();
    q.i32 = r.nextInt();
    for (int i = r.nextInt(6); i > 0; i--) {
      q.q.add(new ContainerVectorsTest.QElem(r.nextBoolean(), r.nextInt(256)));
    }
    roundTrip(ContainerVectorsTest.QUEUE, q, ContainerVectorsTest.Queue::new);

    ContainerVectorsTest.Container c = new ContainerVectorsTest.Container();
    c.id = r.nextInt();
    for (int i = r.nextInt(6); i > 0; i--) {
      c.list.add(new ContainerVectorsTest.Id(r.nextInt()));
    }
    roundTrip(ContainerVectorsTest.QLIST, c, ContainerVectorsTest.Container::new);

    ContainerVectorsTest.Iommu iommu = new ContainerVectorsTest.Iommu();
    iommu.id = r.nextInt();
    for (int k = r.nextInt(4); k > 0; k--) {
      ContainerVectorsTest.Domain d = new ContainerVectorsTest.Domain(r.nextInt());
      for (int m = r.nextInt(4); m > 0; m--) {
        long low = r.nextLong();
        d.map(low, low + r.nextInt(1 << 20), r.nextLong(), r.nextInt());
      }
      iommu.domains.put(r.nextLong(), d);
    }
    roundTrip(ContainerVectorsTest.IOMMU, iommu, ContainerVectorsTest.Iommu::new);

    PointerArrayVectorsTest.Tst[] slots = new PointerArrayVectorsTest.Tst[4];
    boolean[] isNull = new boolean[4];
    for (int i = 0; i < 4; i++) {
      isNull[i] = r.nextBoolean();
      slots[i] = isNull[i] ? null : new PointerArrayVectorsTest.Tst(r.nextInt());
    }
    roundTrip(
        PointerArrayVectorsTest.ARPS,
        PointerArrayVectorsTest.arps(slots),
        () -> {
          PointerArrayVectorsTest.Tst[] dest = new PointerArrayVectorsTest.Tst[4];
          for (int i = 0; i < 4; i++) {
            dest[i] = isNull[i] ? null : new PointerArrayVectorsTest.Tst(0);
          }
          return PointerArrayVectorsTest.arps(dest);
        });

    boolean skip = r.nextBoolean();
    VersionedVectorsTest.Abcdef x =
        VersionedVectorsTest.Abcdef.of(
            r.nextInt(),
            r.nextInt(),
            skip ? 0 : r.nextInt(),
            r.nextLong(),
            skip ? 0 : r.nextInt(),
            r.nextLong());
    x.skipCe = skip;
    roundTrip(
        VersionedVectorsTest.SKIP,
        x,
        () -> {
          VersionedVectorsTest.Abcdef y = new VersionedVectorsTest.Abcdef();
          y.skipCe = skip;
          return y;
        });
  }

  @Test
  void theGenericMirrorRefusesWhatARecordCannotEvaluate() {
    IllegalArgumentException list =
        assertThrows(
            IllegalArgumentException.class,
            () -> GenericBinding.mirror(ContainerVectorsTest.QUEUE));
    assertEquals("test/queue.q: the generic mirror does not support qtailq", list.getMessage());
    IllegalArgumentException ptr =
        assertThrows(
            IllegalArgumentException.class,
            () -> GenericBinding.mirror(PointerArrayVectorsTest.ARPS));
    assertEquals(
        "test/arps.ar: the generic mirror cannot tell which pointer slots are null on the"
            + " destination",
        ptr.getMessage());
    IllegalArgumentException test =
        assertThrows(
            IllegalArgumentException.class, () -> GenericBinding.mirror(VersionedVectorsTest.SKIP));
    assertEquals(
        "test/skip.c: the generic mirror cannot evaluate an existence predicate written for the"
            + " typed object",
        test.getMessage());
  }
}
