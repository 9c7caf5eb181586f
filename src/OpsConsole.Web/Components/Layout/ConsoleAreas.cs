using Microsoft.AspNetCore.Components.Routing;
using MudBlazor;
using OpsConsole.Core.Access;

namespace OpsConsole.Web.Components.Layout;

/// <summary>An area of the console in the navigation drawer, shown only to roles its policy allows.</summary>
public sealed record ConsoleArea(string Title, string Href, string Icon, string Policy, NavLinkMatch Match = NavLinkMatch.Prefix, string Description = "");

public static class ConsoleAreas
{
    /// <summary>Areas in drawer order; each capability adds its own entry when it ships.</summary>
    public static IReadOnlyList<ConsoleArea> All { get; } =
    [
        new("Overview", "/", Icons.Material.Outlined.Dashboard, ConsolePolicies.SignedIn, NavLinkMatch.All, "Where every session starts."),
        new("Services", "/services", Icons.Material.Outlined.Speed, ConsolePolicies.MetricsRead, Description: "Every service's golden signals, live: request rate, error ratio, p95 latency, saturation; charts per service."),
        new("Targets", "/targets", Icons.Material.Outlined.Sensors, ConsolePolicies.MetricsRead, Description: "Scrape targets: up or down, last scrape, duration, samples, series, the last error in words."),
        new("Explore", "/explore", Icons.Material.Outlined.QueryStats, ConsolePolicies.MetricsRead, Description: "Chart any series by metric name and label matchers, from the console or a configured Prometheus."),
        new("Alerts", "/alerts", Icons.Material.Outlined.NotificationsActive, ConsolePolicies.AlertsRead, Description: "Firing and pending alerts, grouped and live: acknowledge, add notes, resolve, silence; the resolved history."),
        new("Silences", "/silences", Icons.Material.Outlined.NotificationsOff, ConsolePolicies.AlertsRead, Description: "Active, pending and recently expired silences with countdowns; maintenance windows; expire or extend."),
        new("Rules", "/rules", Icons.Material.Outlined.Rule, ConsolePolicies.AlertsRead, Description: "Alert rule files: each rule's health, last evaluation and current matches, the last load error; test an expression now."),
        new("Databases", "/databases", Icons.Material.Outlined.Storage, ConsolePolicies.BackupsRead, Description: "Managed databases: newest backup and its freshness against the RPO, next run, last restore drill; back up now, the inventory with verify, download and delete."),
        new("Operations", "/operations", Icons.Material.Outlined.PlaylistPlay, ConsolePolicies.OperationsRead, Description: "Backups, restores and every other long action: running and waiting ones with live progress, approvals by a second person, cancel, the recent ones with their logs."),
        new("Keys", "/keys", Icons.Material.Outlined.Key, ConsolePolicies.KeysRead, Description: "Signing key rings: who signs, the next rotation and how urgent, each version's windows on a timeline; rotate now, revoke a key."),
        new("Users", "/admin/users", Icons.Material.Outlined.ManageAccounts, ConsolePolicies.Administer, Description: "Local accounts: create, roles, disable, unlock, reset passwords."),
        new("Displays", "/admin/displays", Icons.Material.Outlined.Tv, ConsolePolicies.Administer, Description: "Wall displays: add with a pairing link, see when they were last seen, revoke."),
        new("Audit", "/audit", Icons.Material.Outlined.FactCheck, ConsolePolicies.AuditRead, Description: "The tamper-evident audit log: search, live tail, record details with hashes, exports with a checkable manifest."),
        new("System", "/system", Icons.Material.Outlined.MonitorHeart, ConsolePolicies.SystemRead, Description: "The console's own health, live: uptime, database latency and pool, circuits, live events, memory, schema."),
    ];
}
