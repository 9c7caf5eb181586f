using System.Diagnostics.Metrics;
using Prometheus;

namespace OpsConsole.Core.SystemStatus;

/// <summary>
/// Reads Npgsql's own pool instruments (System.Diagnostics.Metrics, meter "Npgsql"). Npgsql 10 renamed them to the
/// current OpenTelemetry names, so both spellings are accepted.
/// </summary>
public sealed class NpgsqlPoolMonitor : IDisposable
{
    private static readonly Gauge PoolConnections = Prometheus.Metrics.CreateGauge(
        "opsconsole_db_pool_connections", "Connections in this console's Npgsql pools, by state (busy or idle).", "state");

    private static readonly Gauge PoolMax = Prometheus.Metrics.CreateGauge(
        "opsconsole_db_pool_max_connections", "Maximum connections of this console's Npgsql pools (summed).");

    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private int _busy;
    private int _idle;
    private int? _max;

    public NpgsqlPoolMonitor()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Npgsql" && (IsUsage(instrument.Name) || IsMax(instrument.Name)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, (int)value, tags));
        _listener.Start();
    }

    /// <summary>Polls the observable instruments and returns the sum over all pools of this process.</summary>
    public DatabasePoolUsage Sample()
    {
        lock (_gate)
        {
            _busy = 0;
            _idle = 0;
            _max = null;
            _listener.RecordObservableInstruments();
            PoolConnections.WithLabels("busy").Set(_busy);
            PoolConnections.WithLabels("idle").Set(_idle);
            PoolMax.Set(_max ?? 0);
            return new DatabasePoolUsage(_busy, _idle, _max);
        }
    }

    private void Record(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (IsMax(instrument.Name))
        {
            _max = (_max ?? 0) + value;
            return;
        }

        foreach (var tag in tags)
        {
            if (tag.Key is "state" or "db.client.connection.state")
            {
                if (string.Equals(tag.Value as string, "used", StringComparison.Ordinal))
                {
                    _busy += value;
                }
                else if (string.Equals(tag.Value as string, "idle", StringComparison.Ordinal))
                {
                    _idle += value;
                }
            }
        }
    }

    private static bool IsUsage(string name) => name is "db.client.connections.usage" or "db.client.connection.count";

    private static bool IsMax(string name) => name is "db.client.connections.max" or "db.client.connection.max";

    public void Dispose() => _listener.Dispose();
}
