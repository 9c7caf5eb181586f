using System.Globalization;
using OpsConsole.Web.Components.Layout;

namespace OpsConsole.Web.Tests.Components.Layout;

public sealed class ConnectionIndicatorTests : BunitContext
{
    // An unusual offset, so showing the value's own clock instead of converting to local time is caught.
    private static readonly DateTimeOffset LastUpdate = new(2026, 3, 14, 15, 9, 26, new TimeSpan(5, 45, 0));

    public static TheoryData<LiveConnectionState> States => [.. Enum.GetValues<LiveConnectionState>()];

    [Theory]
    [MemberData(nameof(States))]
    public void Exposes_the_state_as_lower_case_data_state(LiveConnectionState state)
    {
        var cut = Render<ConnectionIndicator>(p => p
            .Add(c => c.State, state)
            .Add(c => c.LastUpdate, LastUpdate));

        var root = cut.Find("[data-live-indicator]");
        Assert.Equal(state.ToString().ToLowerInvariant(), root.GetAttribute("data-state"));
        Assert.Equal("status", root.GetAttribute("role"));
    }

    [Theory]
    [MemberData(nameof(States))]
    public void Has_the_label_for_the_state(LiveConnectionState state)
    {
        var cut = Render<ConnectionIndicator>(p => p
            .Add(c => c.State, state)
            .Add(c => c.LastUpdate, LastUpdate));

        // All labels are always rendered (console.js switches data-state while the circuit is down; CSS shows one).
        var label = state switch
        {
            LiveConnectionState.Connected => cut.Find(".live-when-connected").TextContent,
            LiveConnectionState.Reconnecting => cut.Find(".live-when-reconnecting").TextContent,
            LiveConnectionState.Offline => cut.Find(".live-when-offline").TextContent,
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "a new state needs a label and a test"),
        };

        var expected = state switch
        {
            LiveConnectionState.Connected => "Live",
            LiveConnectionState.Reconnecting => "Reconnecting…",
            _ => "Offline",
        };
        Assert.Contains(expected, label, StringComparison.Ordinal);
    }

    [Fact]
    public void Offline_label_shows_the_last_update_in_local_time()
    {
        var cut = Render<ConnectionIndicator>(p => p
            .Add(c => c.State, LiveConnectionState.Offline)
            .Add(c => c.LastUpdate, LastUpdate));

        var expected = LastUpdate.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var label = cut.Find(".live-when-offline").TextContent;
        Assert.Contains("Offline", label, StringComparison.Ordinal);
        Assert.Equal(expected, cut.Find("[data-live-last-update]").TextContent);
    }

    [Fact]
    public void Offline_without_last_update_shows_a_dash()
    {
        var cut = Render<ConnectionIndicator>(p => p.Add(c => c.State, LiveConnectionState.Offline));

        Assert.Equal("offline", cut.Find("[data-live-indicator]").GetAttribute("data-state"));
        Assert.Equal("—", cut.Find("[data-live-last-update]").TextContent);
    }

    [Fact]
    public void Defaults_to_connected()
    {
        var cut = Render<ConnectionIndicator>();

        Assert.Equal("connected", cut.Find("[data-live-indicator]").GetAttribute("data-state"));
    }

    [Fact]
    public void Follows_a_state_change_from_its_parent()
    {
        var cut = Render<ConnectionIndicator>(p => p.Add(c => c.State, LiveConnectionState.Connected));

        cut.Render(p => p
            .Add(c => c.State, LiveConnectionState.Offline)
            .Add(c => c.LastUpdate, LastUpdate));

        Assert.Equal("offline", cut.Find("[data-live-indicator]").GetAttribute("data-state"));
        Assert.Equal(LastUpdate.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture), cut.Find("[data-live-last-update]").TextContent);
    }
}
