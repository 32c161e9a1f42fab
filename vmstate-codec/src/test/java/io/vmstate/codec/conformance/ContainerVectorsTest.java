package io.vmstate.codec.conformance;

import static io.vmstate.codec.testing.WireHarness.assertLoadVector;
import static io.vmstate.codec.testing.WireHarness.assertSaves;
import static io.vmstate.codec.testing.WireHarness.items;
import static io.vmstate.codec.testing.WireHarness.loadFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VersionMismatchException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.testing.Hex;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Reference §8.3 vectors 6 to 9: QTAILQ, GTree with struct keys, GTree with direct keys, QLIST. */
class ContainerVectorsTest {
  // ---- qtailq ----

  static final class QElem {
    boolean b;
    int u8;

    QElem() {}

    QElem(boolean b, int u8) {
      this.b = b;
      this.u8 = u8;
    }
  }

  static final class Queue {
    int i16;
    List<QElem> q = new ArrayList<>();
    int i32;
  }

  static final VmStateDescription<QElem> Q_ELEMENT =
      VmStateDescription.<QElem>named("test/queue-element")
          .version(1)
          .minimumVersion(1)
          .bool("b", e -> e.b, (e, v) -> e.b = v)
          .uint8("u8", e -> e.u8, (e, v) -> e.u8 = v)
          .build();

  static final VmStateDescription<Queue> QUEUE =
      VmStateDescription.<Queue>named("test/queue")
          .version(1)
          .minimumVersion(1)
          .int16("i16", s -> s.i16, (s, v) -> s.i16 = v)
          .qtailq("q", s -> s.q, QElem::new, Q_ELEMENT)
          .since(1)
          .int32("i32", s -> s.i32, (s, v) -> s.i32 = v)
          .build();

  static final String QTAILQ_WIRE = "fe 00 | 01 01 82 | 01 00 41 | 00 | 00 01 11 70";

  @Test
  void qtailqSaves() throws Exception {
    Queue s = new Queue();
    s.i16 = -512;
    s.i32 = 70000;
    s.q.add(new QElem(true, 130));
    s.q.add(new QElem(false, 65));
    assertSaves(QUEUE, s, Hex.bytes(QTAILQ_WIRE));
  }

  @Test
  void qtailqLoads() throws Exception {
    assertLoadVector(
        QUEUE,
        Queue::new,
        1,
        Hex.withEof(QTAILQ_WIRE),
        items(2, 1, 1, 1, 1, 1, 1, 1, 4),
        s -> {
          assertEquals(-512, s.i16);
          assertEquals(70000, s.i32);
          assertEquals(2, s.q.size());
          assertTrue(s.q.get(0).b);
          assertEquals(130, s.q.get(0).u8);
          assertEquals(false, s.q.get(1).b);
          assertEquals(65, s.q.get(1).u8);
        });
  }

  @Test
  void qtailqTruncatedInsideAnElementNamesIt() {
    VmStateDecodeException e =
        loadFails(QUEUE, new Queue(), WireInput.of(Hex.withEof(QTAILQ_WIRE), 0, 7), 1);
    assertEquals(7, e.offset());
    assertEquals("test/queue/q[1]/u8", e.fieldPath());
  }

  @Test
  void qtailqLoadsElementsAtTheFieldVersionAsQemuDoes() {
    // QEMU checks the field's version (here the default 0) against the element's window.
    VmStateDescription<Queue> unversioned =
        VmStateDescription.<Queue>named("test/queue")
            .version(1)
            .minimumVersion(1)
            .qtailq("q", s -> s.q, QElem::new, Q_ELEMENT)
            .build();
    VmStateDecodeException e =
        loadFails(unversioned, new Queue(), WireInput.of(Hex.withEof("01 01 82 00")), 1);
    assertEquals(VersionMismatchException.class, e.getClass());
    assertEquals(
        "test/queue/q: incoming version_id 0 of 'test/queue-element' is too old for local"
            + " minimum version_id 1 (at byte 0)",
        e.getMessage());
  }

  // ---- gtree with struct keys ----

  static final class Interval {
    long low;
    long high;

    Interval() {}

    Interval(long low, long high) {
      this.low = low;
      this.high = high;
    }
  }

  static final class Mapping {
    long physAddr;
    int flags;

    Mapping() {}

    Mapping(long physAddr, int flags) {
      this.physAddr = physAddr;
      this.flags = flags;
    }
  }

  static final class Domain {
    int id;
    NavigableMap<Interval, Mapping> mappings =
        new TreeMap<>(Comparator.comparingLong((Interval i) -> i.low));

    Domain() {}

    Domain(int id) {
      this.id = id;
    }

    Domain map(long low, long high, long phys, int flags) {
      mappings.put(new Interval(low, high), new Mapping(phys, flags));
      return this;
    }
  }

  static final VmStateDescription<Interval> INTERVAL =
      VmStateDescription.<Interval>named("interval")
          .version(1)
          .minimumVersion(1)
          .uint64("low", i -> i.low, (i, v) -> i.low = v)
          .uint64("high", i -> i.high, (i, v) -> i.high = v)
          .build();

  static final VmStateDescription<Mapping> MAPPING =
      VmStateDescription.<Mapping>named("mapping")
          .version(1)
          .minimumVersion(1)
          .uint64("phys_addr", m -> m.physAddr, (m, v) -> m.physAddr = v)
          .uint32("flags", m -> m.flags, (m, v) -> m.flags = v)
          .build();

  static final VmStateDescription<Domain> DOMAIN =
      VmStateDescription.<Domain>named("domain")
          .version(1)
          .minimumVersion(1)
          .int32("id", d -> d.id, (d, v) -> d.id = v)
          .gtree("mappings", d -> d.mappings, INTERVAL, Interval::new, MAPPING, Mapping::new)
          .since(1)
          .build();

  static final String DOMAIN6_ENTRIES =
      "01  00 00 00 00 00 00 10 00  00 00 00 00 00 00 1f ff  00 00 00 00 00 00 a0 00  00 00 00"
          + " 01  01  00 00 00 00 00 00 40 00  00 00 00 00 00 00 4f ff  00 00 00 00 00 0e 00 00 "
          + " 00 00 00 02  00";
  static final String DOMAIN_WIRE = "00 00 00 06  00 00 00 02 " + DOMAIN6_ENTRIES;
  static final int[] ENTRY = {1, 8, 8, 8, 4};

  static Domain domain6() {
    return new Domain(6).map(0x1000, 0x1fff, 0xa000, 1).map(0x4000, 0x4fff, 0xe0000, 2);
  }

  static void assertDomain6(Domain d) {
    assertEquals(6, d.id);
    assertEquals(2, d.mappings.size());
    var first = d.mappings.firstEntry();
    assertEquals(0x1000, first.getKey().low);
    assertEquals(0x1fff, first.getKey().high);
    assertEquals(0xa000, first.getValue().physAddr);
    assertEquals(1, first.getValue().flags);
    var last = d.mappings.lastEntry();
    assertEquals(0x4000, last.getKey().low);
    assertEquals(0x4fff, last.getKey().high);
    assertEquals(0xe0000, last.getValue().physAddr);
    assertEquals(2, last.getValue().flags);
  }

  static int[] concat(int[]... parts) {
    return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
  }

  @Test
  void gtreeDomainSaves() throws Exception {
    assertSaves(DOMAIN, domain6(), Hex.bytes(DOMAIN_WIRE));
  }

  @Test
  void gtreeDomainLoads() throws Exception {
    assertLoadVector(
        DOMAIN,
        Domain::new,
        1,
        Hex.withEof(DOMAIN_WIRE),
        items(concat(new int[] {4, 4}, ENTRY, ENTRY, new int[] {1})),
        ContainerVectorsTest::assertDomain6);
  }

  @Test
  void gtreeWithFewerEntriesThanNnodesIsInconsistent() {
    byte[] wire = Hex.withEof(DOMAIN_WIRE);
    wire[7] = 3;
    VmStateDecodeException e = loadFails(DOMAIN, new Domain(), WireInput.of(wire), 1);
    assertEquals(
        "domain/mappings: inconsistent stream when loading the gtree: 2 entries, nnodes says 3",
        e.getMessage().replaceAll(" \\(at byte \\d+\\)$", ""));
  }

  @Test
  void gtreeWithMoreEntriesThanNnodesFailsAtTheExtraEntry() {
    byte[] wire = Hex.withEof(DOMAIN_WIRE);
    wire[7] = 1;
    VmStateDecodeException e = loadFails(DOMAIN, new Domain(), WireInput.of(wire), 1);
    assertEquals(8 + 29, e.offset());
    assertEquals(
        "domain/mappings: inconsistent stream when loading the gtree: more than 1 entries"
            + " (at byte 37)",
        e.getMessage());
  }

  // ---- gtree with direct keys, nesting the domain gtree ----

  static final class Iommu {
    int id;
    NavigableMap<Long, Domain> domains = new TreeMap<>();
  }

  static final VmStateDescription<Iommu> IOMMU =
      VmStateDescription.<Iommu>named("iommu")
          .version(1)
          .minimumVersion(1)
          .int32("id", i -> i.id, (i, v) -> i.id = v)
          .gtreeDirectKey("domains", i -> i.domains, DOMAIN, Domain::new)
          .since(1)
          .build();

  static final String IOMMU_WIRE =
      "00 00 00 07  00 00 00 02"
          + " 01  00 00 00 00 00 00 00 05  00 00 00 05  00 00 00 01  01  00 00 00 00 01 00 00 00 "
          + " 00 00 00 00 01 ff ff ff  00 00 00 00 0f 00 00 00  00 00 00 03  00"
          + " 01  00 00 00 00 00 00 00 06  00 00 00 06  00 00 00 02 "
          + DOMAIN6_ENTRIES
          + " 00";

  @Test
  void gtreeIommuSaves() throws Exception {
    Iommu i = new Iommu();
    i.id = 7;
    i.domains.put(5L, new Domain(5).map(0x1000000, 0x1ffffff, 0xf000000, 3));
    i.domains.put(6L, domain6());
    assertSaves(IOMMU, i, Hex.bytes(IOMMU_WIRE));
  }

  @Test
  void gtreeIommuLoads() throws Exception {
    assertLoadVector(
        IOMMU,
        Iommu::new,
        1,
        Hex.withEof(IOMMU_WIRE),
        items(
            concat(
                new int[] {4, 4},
                new int[] {1, 8, 4, 4},
                ENTRY,
                new int[] {1},
                new int[] {1, 8, 4, 4},
                ENTRY,
                ENTRY,
                new int[] {1},
                new int[] {1})),
        i -> {
          assertEquals(7, i.id);
          assertEquals(List.of(5L, 6L), new ArrayList<>(i.domains.keySet()));
          Domain d5 = i.domains.get(5L);
          assertEquals(5, d5.id);
          assertEquals(1, d5.mappings.size());
          assertEquals(0x1000000, d5.mappings.firstKey().low);
          assertEquals(0x1ffffff, d5.mappings.firstKey().high);
          assertEquals(0xf000000, d5.mappings.firstEntry().getValue().physAddr);
          assertEquals(3, d5.mappings.firstEntry().getValue().flags);
          assertDomain6(i.domains.get(6L));
        });
  }

  @Test
  void gtreeIommuTruncationNamesTheNestedPath() {
    // Cut inside domain 6's second mapping's phys_addr: 8 + 1+8+4+4+29+1 + 1+8+4+4 + 29 + 1+8+8.
    int phys = 8 + 47 + 17 + 29 + 17;
    VmStateDecodeException e =
        loadFails(IOMMU, new Iommu(), WireInput.of(Hex.withEof(IOMMU_WIRE), 0, phys + 3), 1);
    assertEquals(phys, e.offset());
    assertEquals("iommu/domains[1]/mappings[1]/phys_addr", e.fieldPath());
  }

  // ---- qlist ----

  static final class Id {
    int id;

    Id() {}

    Id(int id) {
      this.id = id;
    }
  }

  static final class Container {
    int id;
    List<Id> list = new ArrayList<>();
  }

  static final VmStateDescription<Id> QLIST_ELEMENT =
      VmStateDescription.<Id>named("test/queue list")
          .version(1)
          .minimumVersion(1)
          .uint32("id", e -> e.id, (e, v) -> e.id = v)
          .build();

  static final VmStateDescription<Container> QLIST =
      VmStateDescription.<Container>named("test/container/qlist")
          .version(1)
          .minimumVersion(1)
          .uint32("id", c -> c.id, (c, v) -> c.id = v)
          .qlist("list", c -> c.list, Id::new, QLIST_ELEMENT)
          .since(1)
          .build();

  static final String QLIST_WIRE =
      "00 00 00 01 01 00 00 00 0a 01 00 00 0b 00 01 00 0c 00 00 01 0d 00 00 00 00";

  @Test
  void qlistSavesInListOrder() throws Exception {
    Container c = new Container();
    c.id = 1;
    for (int v : new int[] {0x0a, 0x0b00, 0xc0000, 0xd000000}) {
      c.list.add(new Id(v));
    }
    assertSaves(QLIST, c, Hex.bytes(QLIST_WIRE));
  }

  @Test
  void qlistLoadsPreservingOrder() throws Exception {
    assertLoadVector(
        QLIST,
        Container::new,
        1,
        Hex.withEof(QLIST_WIRE),
        items(4, 1, 4, 1, 4, 1, 4, 1, 4, 1),
        c -> {
          assertEquals(1, c.id);
          assertEquals(
              List.of(0x0a, 0x0b00, 0xc0000, 0xd000000), c.list.stream().map(e -> e.id).toList());
        });
  }
}
