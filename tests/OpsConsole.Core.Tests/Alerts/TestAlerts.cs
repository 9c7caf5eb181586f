using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Tests.Alerts;

/// <summary>Alert views as the store shows them, for tests that only care about name, severity, state and labels.</summary>
internal static class TestAlerts
{
    private static long _ids;

    /// <summary>Active since ten minutes before <paramref name="now"/>, firing for five (unless pending), resolved at now when resolved.</summary>
    public static AlertView View(string name, string severity, AlertState state, DateTimeOffset now, params (string Name, string Value)[] labels) => new(
        Interlocked.Increment(ref _ids),
        AlertSource.Rule,
        LabelSet.Of([("alertname", name), ("severity", severity), .. labels]),
        new Dictionary<string, string>(),
        state,
        now.AddMinutes(-10),
        state == AlertState.Pending ? null : now.AddMinutes(-5),
        state == AlertState.Resolved ? now : null,
        null,
        1,
        null,
        "test",
        null,
        null,
        [],
        null,
        now);
}
