package io.vmstate.gic.its;

import java.util.Comparator;
import java.util.List;

/**
 * A mapped device: its ITT in guest memory and its valid translations, sorted by EventID.
 *
 * @param deviceId the DeviceID
 * @param ittAddress the ITT's guest physical address (256-byte aligned)
 * @param eventIdBits EventID bits (DTE Size + 1): the ITT has 2^eventIdBits entries
 * @param events valid translations, by ascending EventID
 */
public record ItsDevice(int deviceId, long ittAddress, int eventIdBits, List<ItsEvent> events) {
  public ItsDevice {
    events = events.stream().sorted(Comparator.comparingInt(ItsEvent::eventId)).toList();
  }
}
