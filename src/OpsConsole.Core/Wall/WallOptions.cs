using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OpsConsole.Core.Wall;

/// <summary>What a wall page shows.</summary>
public enum WallPageKind
{
    /// <summary>Service tiles (all services, or the ones the page names), split into several steps when they do not fit.</summary>
    Services,

    /// <summary>The alerts that notify now (firing, not silenced, not inhibited), large; the console's own alerts among them.</summary>
    Alerts,

    /// <summary>A large clock with a one-line summary of the services and alerts.</summary>
    Clock,

    /// <summary>The Overview's status board, large: "All clear" or what fires, the services not healthy, what needs attention.</summary>
    Status,
}

/// <summary>
/// <c>Wall</c>: the playlist a wall display rotates through. Pages are switched inside the page (one circuit), each
/// shown for <see cref="RotateEvery"/>.
/// </summary>
public sealed class WallOptions : IValidatableObject
{
    public const string Section = "Wall";

    public static readonly TimeSpan MinimumRotation = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan MaximumRotation = TimeSpan.FromHours(1);

    /// <summary>How long each page (or each step of a services page that needs several) stays on screen.</summary>
    public TimeSpan RotateEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// At most this many tiles on one step; more services become further steps of the same page (1/2, 2/2) instead
    /// of tiles too small to read from across the room or a page that scrolls.
    /// </summary>
    public int MaxTilesPerPage { get; set; } = 12;

    /// <summary>
    /// A chime when a new critical alert starts to notify. Off by default: browsers play sound without a click only when
    /// allowed to autoplay (the kiosk's Chromium needs <c>--autoplay-policy=no-user-gesture-required</c>).
    /// </summary>
    public bool AlertSound { get; set; }

    /// <summary>The playlist, in order. Empty: Services, Alerts, Clock, Status.</summary>
    public List<WallPageOptions> Pages { get; set; } = [];

    /// <summary>The playlist actually played: <see cref="Pages"/>, or the default one when none is configured (valid options only).</summary>
    public IReadOnlyList<WallPlaylistPage> Playlist() =>
        Pages.Count == 0
            ? [.. Enum.GetValues<WallPageKind>().Select(kind => new WallPlaylistPage(kind, WallPlaylistPage.DefaultTitle(kind), []))]
            : [.. Pages.Select(p => p.ToPage())];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RotateEvery < MinimumRotation || RotateEvery > MaximumRotation)
        {
            yield return new ValidationResult(
                $"Wall:RotateEvery must be between {MinimumRotation:c} and {MaximumRotation:c} (got {RotateEvery:c}).", [nameof(RotateEvery)]);
        }

        if (MaxTilesPerPage is < 1 or > 64)
        {
            yield return new ValidationResult($"Wall:MaxTilesPerPage must be between 1 and 64 (got {MaxTilesPerPage}).", [nameof(MaxTilesPerPage)]);
        }

        for (var i = 0; i < Pages.Count; i++)
        {
            var page = Pages[i];
            if (WallPlaylistPage.ParseKind(page.Kind) is not { } kind)
            {
                yield return new ValidationResult(
                    $"Wall:Pages:{i}:Kind must be one of {string.Join(", ", Enum.GetNames<WallPageKind>())} (got \"{page.Kind}\").", [nameof(Pages)]);
                continue;
            }

            if (kind is not WallPageKind.Services && page.Services.Count > 0)
            {
                yield return new ValidationResult($"Wall:Pages:{i}:Services applies only to pages of Kind Services.", [nameof(Pages)]);
            }

            if (page.Services.Any(string.IsNullOrWhiteSpace))
            {
                yield return new ValidationResult($"Wall:Pages:{i}:Services must not contain empty names.", [nameof(Pages)]);
            }
        }
    }
}

/// <summary>One entry of <c>Wall:Pages</c>.</summary>
public sealed class WallPageOptions
{
    /// <summary><see cref="WallPageKind"/> by name: Services, Alerts, Clock or Status.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The heading shown on the wall; defaults to the kind ("Services", "Alerts", "Clock").</summary>
    public string? Title { get; set; }

    /// <summary>For Services pages: the services (scrape target names) to show, in this order; empty shows all.</summary>
    public List<string> Services { get; set; } = [];

    internal WallPlaylistPage ToPage()
    {
        var kind = WallPlaylistPage.ParseKind(Kind) ?? throw new InvalidOperationException($"Unknown wall page kind \"{Kind}\".");
        var title = string.IsNullOrWhiteSpace(Title) ? WallPlaylistPage.DefaultTitle(kind) : Title.Trim();
        return new WallPlaylistPage(kind, title, [.. Services.Select(s => s.Trim())]);
    }
}

/// <summary>A validated playlist entry.</summary>
public sealed record WallPlaylistPage(WallPageKind Kind, string Title, IReadOnlyList<string> Services)
{
    /// <summary>A kind by its name (case-insensitive); numbers and combinations are not names.</summary>
    public static WallPageKind? ParseKind(string? name) =>
        Enum.GetValues<WallPageKind>().Select(k => (WallPageKind?)k)
            .FirstOrDefault(k => string.Equals(k.ToString(), name?.Trim(), StringComparison.OrdinalIgnoreCase));

    public static string DefaultTitle(WallPageKind kind) => kind switch
    {
        WallPageKind.Services => "Services",
        WallPageKind.Alerts => "Alerts",
        WallPageKind.Status => "Status",
        _ => "Clock",
    };
}

public static class WallHostingExtensions
{
    /// <summary>The wall's playlist (<c>Wall</c>), validated when the console starts.</summary>
    public static IHostApplicationBuilder AddConsoleWall(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<WallOptions>().BindConfiguration(WallOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}
