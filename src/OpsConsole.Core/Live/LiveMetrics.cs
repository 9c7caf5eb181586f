using Prometheus;

namespace OpsConsole.Core.Live;

/// <summary>Process-wide prometheus-net instruments; static because the default registry is process-wide anyway.</summary>
internal static class LiveMetrics
{
    public static readonly Counter Published = Prometheus.Metrics.CreateCounter(
        "opsconsole_live_events_published_total", "Live events published locally.", "topic");

    public static readonly Counter RemoteReceived = Prometheus.Metrics.CreateCounter(
        "opsconsole_live_events_remote_received_total", "Live events received from other instances.", "topic");

    public static readonly Counter Dropped = Prometheus.Metrics.CreateCounter(
        "opsconsole_live_events_dropped_total", "Live events dropped because a subscriber queue was full.", "topic");

    public static readonly Counter HandlerErrors = Prometheus.Metrics.CreateCounter(
        "opsconsole_live_handler_errors_total", "Live event handlers that threw.", "topic");

    public static readonly Counter NotifyOversize = Prometheus.Metrics.CreateCounter(
        "opsconsole_live_events_notify_oversize_total", "Distributed live events not sent because the NOTIFY payload exceeded 8000 bytes.", "topic");

    public static readonly Counter NotifyDropped = Prometheus.Metrics.CreateCounter(
        "opsconsole_live_events_notify_dropped_total", "Distributed live events dropped because the outbound NOTIFY queue was full.", "topic");

    public static readonly Gauge Subscribers = Prometheus.Metrics.CreateGauge(
        "opsconsole_live_subscribers", "Current live event subscriptions.");
}
