using System.Collections.Concurrent;
using Prometheus;

namespace OpsConsole.Core.SystemStatus;

/// <summary>
/// How many Blazor circuits are connected to this instance right now, in total and per sign-in session. Counts are
/// in-process: with several instances, a session's circuits elsewhere are not included.
/// </summary>
public sealed class CircuitTracker
{
    private static readonly Gauge CircuitsGauge = Prometheus.Metrics.CreateGauge(
        "opsconsole_circuits_connected", "Blazor Server circuits currently connected to this console instance.");

    private readonly ConcurrentDictionary<string, int> _bySession = new(StringComparer.Ordinal);
    private int _connected;

    public CircuitTracker() => CircuitsGauge.Set(0); // exported from the start, not only after the first circuit

    public int Connected(string? sessionId = null)
    {
        if (sessionId is not null)
        {
            _bySession.AddOrUpdate(sessionId, 1, (_, n) => n + 1);
        }

        return Update(Interlocked.Increment(ref _connected));
    }

    public int Disconnected(string? sessionId = null)
    {
        if (sessionId is not null && _bySession.AddOrUpdate(sessionId, 0, (_, n) => Math.Max(0, n - 1)) == 0)
        {
            _bySession.TryRemove(new KeyValuePair<string, int>(sessionId, 0)); // only if still zero: no lost increments
        }

        return Update(Interlocked.Decrement(ref _connected));
    }

    public int Current => Volatile.Read(ref _connected);

    /// <summary>Circuits of one sign-in session connected to this instance.</summary>
    public int CircuitsOf(string sessionId) => _bySession.TryGetValue(sessionId, out var n) ? n : 0;

    private static int Update(int value)
    {
        CircuitsGauge.Set(value);
        return value;
    }
}
