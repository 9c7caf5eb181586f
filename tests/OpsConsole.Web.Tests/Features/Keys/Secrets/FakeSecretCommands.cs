using System.Security.Claims;
using OpsConsole.Core.Keys.Secrets;
using OpsConsole.Web.Features.Keys.Secrets;

namespace OpsConsole.Web.Tests.Features.Keys.Secrets;

/// <summary>
/// Declared secrets in memory behind <see cref="ISecretCommands"/>. Views are made by the real <see cref="SecretStatus"/>
/// at the test's clock, so states are what the service would say; a test reads what the section recorded.
/// </summary>
public sealed class FakeSecretCommands(TimeProvider time) : ISecretCommands
{
    public static readonly DateTimeOffset T0 = FakeKeyCommands.T0;

    public static readonly DeclaredSecret Payment = new("shop-payment", "payments-team", "env PAYMENT_API_KEY on sampleshop", TimeSpan.FromDays(90), TimeSpan.FromDays(14),
        "The payment provider's API key", new Uri("https://dashboard.stripe.com/apikeys"));

    public static readonly DeclaredSecret Webhook = new("shop-webhook", "payments-team", "env PAYMENT_WEBHOOK_SECRET on sampleshop", TimeSpan.FromDays(180), TimeSpan.FromDays(14), null, null);

    public static readonly DeclaredSecret Mail = new("shop-mail", "shop-team", "Vault kv/sampleshop/mail", TimeSpan.FromDays(365), TimeSpan.FromDays(30), null, null);

    private readonly object _lock = new();
    private readonly List<SecretRotationView> _history = [];
    private readonly Dictionary<long, string> _of = [];
    private long _ids;
    private int _reads;

    public FakeSecretCommands(TimeProvider time, bool seeded) : this(time)
    {
        if (seeded)
        {
            Add(Payment.Name, T0.AddDays(-80), "sam", "CHG-1"); // due in 10 days: due soon
            Add(Mail.Name, T0.AddDays(-400), "ann", null); // overdue since 35 days
        }
    }

    public bool MayRecord { get; set; } = true;

    public int Reads => Volatile.Read(ref _reads);

    /// <summary>What a record throws instead of storing (the service's refusals).</summary>
    public Func<Exception>? OnRecord { get; set; }

    public List<(string Name, DateTimeOffset? RotatedAt, string? Note)> Records { get; } = [];

    public IReadOnlyList<DeclaredSecret> Declared { get; } = [Mail, Payment, Webhook];

    public void Add(string secret, DateTimeOffset rotatedAt, string by, string? note)
    {
        lock (_lock)
        {
            var id = ++_ids;
            _history.Add(new SecretRotationView(id, rotatedAt, rotatedAt, by, note));
            _of[id] = secret;
        }
    }

    public Task<bool> MayRecordAsync(ClaimsPrincipal caller) => Task.FromResult(MayRecord);

    public Task<IReadOnlyList<SecretView>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        return Task.FromResult<IReadOnlyList<SecretView>>([.. Declared.Select(View)]);
    }

    public Task<SecretView> RecordAsync(ClaimsPrincipal caller, string name, DateTimeOffset? rotatedAt, string? note)
    {
        Records.Add((name, rotatedAt, note));
        if (OnRecord is { } refuse)
        {
            return Task.FromException<SecretView>(refuse());
        }

        Add(name, rotatedAt ?? time.GetUtcNow(), caller.Identity?.Name ?? "unknown", note);
        return Task.FromResult(View(Declared.Single(d => d.Name == name)));
    }

    private SecretView View(DeclaredSecret secret)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var history = _history.Where(h => _of[h.Id] == secret.Name).OrderByDescending(h => h.RotatedAt).ThenByDescending(h => h.Id).ToList();
            var first = T0.AddDays(-1);
            return new SecretView(secret, now, first, SecretStatus.Of(secret, history.FirstOrDefault()?.RotatedAt, first, now), history);
        }
    }
}
