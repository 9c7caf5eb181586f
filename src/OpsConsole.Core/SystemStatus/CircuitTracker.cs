using Prometheus;

namespace OpsConsole.Core.SystemStatus;

/// <summary>How many Blazor circuits are connected to this instance right now.</summary>
public sealed class CircuitTracker
{
    private static readonly Gauge CircuitsGauge = Metrics.CreateGauge(
        "opsconsole_circuits_connected", "Blazor Server circuits currently connected to this console instance.");

    private int _connected;

    public CircuitTracker() => CircuitsGauge.Set(0); // exported from the start, not only after the first circuit

    public int Connected() => Update(Interlocked.Increment(ref _connected));

    public int Disconnected() => Update(Interlocked.Decrement(ref _connected));

    public int Current => Volatile.Read(ref _connected);

    private static int Update(int value)
    {
        CircuitsGauge.Set(value);
        return value;
    }
}
