package carnot.kernels.cuda;

/**
 * Host↔device traffic: copies to the device and to the host (calls and bytes) and explicit synchronisations.
 */
public record Transfers(long toDevice, long toDeviceBytes, long toHost, long toHostBytes, long syncs) {

    /** The traffic since {@code before}. */
    public Transfers minus(Transfers before) {
        return new Transfers(toDevice - before.toDevice, toDeviceBytes - before.toDeviceBytes, toHost - before.toHost,
                toHostBytes - before.toHostBytes, syncs - before.syncs);
    }
}
