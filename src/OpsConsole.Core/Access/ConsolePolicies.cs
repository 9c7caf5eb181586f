using Microsoft.AspNetCore.Authorization;

namespace OpsConsole.Core.Access;

/// <summary>
/// Named authorization policies, one per area or action. Pages, the API, the hub and Core services all
/// check these names, so a role change happens here and nowhere else.
/// </summary>
public static class ConsolePolicies
{
    /// <summary>Any signed-in person or device: the home page and the live connection.</summary>
    public const string SignedIn = "console.signed-in";

    /// <summary>The console's own health page (System) and its live topic.</summary>
    public const string SystemRead = "console.system.read";

    /// <summary>Administration of the console itself (users, devices, settings).</summary>
    public const string Administer = "console.administer";

    /// <summary>The wall view: paired displays and every person (the Display role and above).</summary>
    public const string WallRead = "console.wall.read";

    /// <summary>Reading the audit log (search, records, exports). Admin and Auditor see every record; an Sre only operational ones (see AuditVisibility in Core/Audit/Search).</summary>
    public const string AuditRead = "console.audit.read";
    /// <summary>Verifying the audit log's integrity and writing its signed checkpoints.</summary>
    public const string AuditVerify = "console.audit.verify";

    /// <summary>Live metrics: the services overview and detail, scrape targets, the explore page.</summary>
    public const string MetricsRead = "console.metrics.read";

    /// <summary>Alerts and silences: the lists, an alert's timeline, the delivery log (a wall sees alerts through <see cref="WallRead"/>).</summary>
    public const string AlertsRead = "console.alerts.read";

    /// <summary>Acting on alerts: acknowledge, unacknowledge, resolve manually, notes, silences; also posting Alertmanager webhooks with an API token.</summary>
    public const string AlertsAct = "console.alerts.act";

    /// <summary>Operations (backups, restores, migrations, rotations, erasures): the list, a run's detail and its live log.</summary>
    public const string OperationsRead = "console.operations.read";

    /// <summary>
    /// Approving and cancelling operations over HTTP (the endpoint's gate): every role that acts on some kind. The service
    /// then checks the operation's own kind (a backup wants <see cref="BackupsAct"/>).
    /// </summary>
    public const string OperationsAct = "console.operations.act";

    /// <summary>Managed databases and their backups: the Databases page, the inventory, drill results.</summary>
    public const string BackupsRead = "console.backups.read";

    /// <summary>Acting on backups: back up now, verify, delete, download a dump, run a drill; approving and cancelling those operations.</summary>
    public const string BackupsAct = "console.backups.act";

    /// <summary>Restores: planning one, requesting it, approving or cancelling it, swapping back (reading them is <see cref="BackupsRead"/>).</summary>
    public const string RestoresAct = "console.restores.act";

    /// <summary>Schema migrations: rehearsing, applying, undoing and approving them (reading them is <see cref="BackupsRead"/>).</summary>
    public const string MigrationsAct = "console.migrations.act";

    /// <summary>Signing key rings: their versions, states and timeline (public metadata; no page or API returns private keys).</summary>
    public const string KeysRead = "console.keys.read";

    /// <summary>Rotating a key ring ("Rotate now"), and approving or cancelling a rotation.</summary>
    public const string KeysRotate = "console.keys.rotate";

    /// <summary>Emergency revocation of a key version, and approving or cancelling one.</summary>
    public const string KeysRevoke = "console.keys.revoke";

    /// <summary>The sign API: services' tokens with the Signer role, and no one else (a person never needs a token signed by hand).</summary>
    public const string KeysSign = "console.keys.sign";

    /// <summary>Roles allowed by each policy; the single source of truth for nav and tests.</summary>
    public static IReadOnlyDictionary<string, string[]> Roles { get; } = new Dictionary<string, string[]>
    {
        [SignedIn] = [.. ConsoleRoles.All],
        [SystemRead] = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall],
        [Administer] = [ConsoleRoles.Admin],
        [AuditRead] = [ConsoleRoles.Admin, ConsoleRoles.Auditor, ConsoleRoles.Sre],
        [AuditVerify] = [ConsoleRoles.Admin, ConsoleRoles.Auditor],
        [MetricsRead] = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall, ConsoleRoles.Viewer],
        [AlertsRead] = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall, ConsoleRoles.Viewer],
        [AlertsAct] = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall],
        [OperationsRead] = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall, ConsoleRoles.Viewer],
        [OperationsAct] = [ConsoleRoles.Admin, ConsoleRoles.Sre],
        [BackupsRead] = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall, ConsoleRoles.Viewer],
        [BackupsAct] = [ConsoleRoles.Admin, ConsoleRoles.Sre],
        [RestoresAct] = [ConsoleRoles.Admin, ConsoleRoles.Sre],
        [MigrationsAct] = [ConsoleRoles.Admin, ConsoleRoles.Sre],
        [KeysRead] = [ConsoleRoles.Admin, ConsoleRoles.Sre, ConsoleRoles.OnCall, ConsoleRoles.Viewer, ConsoleRoles.Auditor, ConsoleRoles.Compliance],
        [KeysRotate] = [ConsoleRoles.Admin, ConsoleRoles.Sre],
        [KeysRevoke] = [ConsoleRoles.Admin],
        [KeysSign] = [ConsoleRoles.Signer],
        [WallRead] = [ConsoleRoles.Display, ConsoleRoles.Viewer, ConsoleRoles.Sre, ConsoleRoles.OnCall, ConsoleRoles.Admin, ConsoleRoles.Compliance, ConsoleRoles.Auditor],
    };

    public static void AddConsolePolicies(this AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, roles) in Roles)
        {
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().RequireRole(roles));
        }
    }

    /// <summary>True when any of the given roles satisfies the policy (for UI decisions; the server still checks).</summary>
    public static bool Allows(string policy, IEnumerable<string> roles) =>
        Roles.TryGetValue(policy, out var allowed) && roles.Any(r => allowed.Contains(r, StringComparer.Ordinal));
}
