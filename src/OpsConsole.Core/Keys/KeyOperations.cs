using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Keys;

/// <summary>The operation kinds of signing keys, and their target: one operation per ring at a time.</summary>
public static class KeyKinds
{
    public const string Rotate = "key-rotation";
    public const string Revoke = "key-revocation";

    public static IReadOnlyList<string> All { get; } = [Rotate, Revoke];

    public static string Target(string ring) => "key-ring:" + ring;

    /// <summary>The first 8 characters of a kid: how pages name a version, and what a revocation's confirmation may be.</summary>
    public static string Short(string kid) => kid.Length <= 8 ? kid : kid[..8];
}

/// <summary>
/// Proves a change is live the way a consumer would see it: fetches this instance's own JWKS of the ring over HTTP until
/// it lists (or no longer lists) the kids, or <see cref="Deadline"/> passes. The cache rebuilds on <c>keys.changed</c>
/// after commit, so the first fetch may still show the old set.
/// </summary>
public sealed class JwksSelfCheck(IHttpClientFactory httpClients, ILocalAddress local, TimeProvider time)
{
    public const string HttpClientName = "opsconsole-jwks-self-check";

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public async Task ProveAsync(string ring, IReadOnlyCollection<string> present, IReadOnlyCollection<string> absent, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(present);
        ArgumentNullException.ThrowIfNull(absent);
        ArgumentNullException.ThrowIfNull(context);
        if (local.BaseAddress is not { } root)
        {
            throw new InvalidOperationException("this instance has no http address to fetch its own JWKS from; the change is stored, but not proven published.");
        }

        var url = new Uri(root, $"/keys/{Uri.EscapeDataString(ring)}/jwks.json");
        using var client = httpClients.CreateClient(HttpClientName);
        var started = time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(100);
        var attempts = 0;
        string seen = "nothing yet";
        while (true)
        {
            attempts++;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
                using var response = await client.SendAsync(request, context.Cancellation);
                if (response.IsSuccessStatusCode)
                {
                    var kids = Kids(await response.Content.ReadAsStringAsync(context.Cancellation));
                    var missing = present.Where(k => !kids.Contains(k)).ToList();
                    var stale = absent.Where(kids.Contains).ToList();
                    if (missing.Count == 0 && stale.Count == 0)
                    {
                        context.Log(string.Create(CultureInfo.InvariantCulture,
                            $"GET {url} → {(int)response.StatusCode}, ETag {response.Headers.ETag?.Tag ?? "none"}: {Describe(kids)}{Said(present, " listed")}{Said(absent, " not listed")} (attempt {attempts})"));
                        return;
                    }

                    seen = $"{(int)response.StatusCode} listing {Describe(kids)}";
                }
                else
                {
                    seen = $"HTTP {(int)response.StatusCode}";
                }
            }
            catch (HttpRequestException ex)
            {
                seen = ex.Message;
            }

            if (time.GetElapsedTime(started) >= Deadline)
            {
                throw new InvalidOperationException(
                    $"the change is stored, but {url} did not show it within {Deadline.TotalSeconds:0} s (last: {seen}); check the JWKS cache's log and GET the URL by hand.");
            }

            await Task.Delay(delay, time, context.Cancellation);
            delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 2));
        }
    }

    private static HashSet<string> Kids(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString() ?? "")];
    }

    private static string Describe(HashSet<string> kids) =>
        kids.Count == 0 ? "no keys" : $"{kids.Count} key(s) {string.Join(", ", kids.Select(KeyKinds.Short))}";

    private static string Said(IReadOnlyCollection<string> kids, string what) =>
        kids.Count == 0 ? "" : $"; {string.Join(", ", kids.Select(KeyKinds.Short))}{what}";
}

/// <summary>
/// "key-rotation": a new key of the ring, published now and signing after the lead time (at once when the request says
/// immediate), the signing key retiring then; then this instance's JWKS fetched over HTTP to prove the new key is out.
/// A scheduled rotation (parameter <c>trigger=scheduled</c>) does nothing when another instance rotated first.
/// </summary>
public sealed class RotateKeyOperation(ConfiguredKeyRings rings, KeyRingStore store, JwksSelfCheck check) : IOperationKind
{
    public string Name => KeyKinds.Rotate;

    public AccessRule Access => KeysService.RotateRule;

    // One short transaction and a fetch: nothing to stop halfway.
    public bool CancellableWhileRunning => false;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var ring = KeysService.RingOf(rings, run);
        var immediate = run.Parameters.GetValueOrDefault("immediate") == "true";
        var scheduled = run.Parameters.GetValueOrDefault("trigger") == KeysService.Scheduled;
        var steps = new OperationSteps(context, ["rotate", "prove the new key is published"]);
        var rotate = steps.Enter(1);
        var change = await store.RotateAsync(
            ring, immediate, new KeyChangeCause(run.RequestedBy, run.ApprovedBy, run.Id, run.Parameters.GetValueOrDefault("reason")), onlyIfDue: scheduled, context.Cancellation);
        if (change is null)
        {
            rotate.Log("the rotation is no longer due: another instance or a person rotated this ring first; nothing changed");
            return "not due any more; nothing changed";
        }

        var added = change.Timeline.Versions.Single(v => v.Kid == change.NewKid);
        rotate.Log($"new {ring.Algorithm.Name} key {change.NewKid} published at {added.PublishAt:u}, signs from {added.ActivateAt:u}");
        foreach (var retired in change.Timeline.Changed.Where(v => v.Kid != change.NewKid))
        {
            rotate.Log($"{retired.Kid} signs until {retired.RetireAt:u}, stays published until {retired.RemoveAt:u} (grace {KeysService.Words(ring.Grace)})");
        }

        foreach (var warning in change.Timeline.Warnings)
        {
            rotate.Log(warning, OperationLogLevel.Warning);
        }

        await check.ProveAsync(ring.Name, [change.NewKid!], [], steps.Enter(2));
        return added.ActivateAt <= change.At
            ? $"{KeyKinds.Short(change.NewKid!)} signs now"
            : $"{KeyKinds.Short(change.NewKid!)} published; signs from {added.ActivateAt:u}";
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context) => Task.CompletedTask; // the change is one transaction
}

/// <summary>
/// "key-revocation": the version leaves the JWKS at once (a signing key hands over to the pending one); then this
/// instance's JWKS fetched over HTTP to prove it is gone. Checked again when it runs: an approval can come hours later.
/// </summary>
public sealed class RevokeKeyOperation(ConfiguredKeyRings rings, KeyRingStore store, JwksSelfCheck check) : IOperationKind
{
    public string Name => KeyKinds.Revoke;

    public AccessRule Access => KeysService.RevokeRule;

    public bool CancellableWhileRunning => false;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var ring = KeysService.RingOf(rings, run);
        var kid = run.Parameter("kid");
        var steps = new OperationSteps(context, ["revoke", "prove the key is no longer published"]);
        var revoke = steps.Enter(1);
        var change = await store.RevokeAsync(ring, kid, new KeyChangeCause(run.RequestedBy, run.ApprovedBy, run.Id, run.Parameters.GetValueOrDefault("reason")), context.Cancellation);
        var timeline = change!.Timeline;
        revoke.Log($"{kid} revoked at {change.At:u}");
        foreach (var warning in timeline.Warnings)
        {
            revoke.Log(warning, OperationLogLevel.Warning);
        }

        var signing = KeyTimeline.Signing(timeline.Versions, change.At);
        await check.ProveAsync(ring.Name, signing is null ? [] : [signing.Kid], [kid], steps.Enter(2));
        return signing is null ? $"{KeyKinds.Short(kid)} revoked" : $"{KeyKinds.Short(kid)} revoked; {KeyKinds.Short(signing.Kid)} signs";
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context) => Task.CompletedTask;
}
