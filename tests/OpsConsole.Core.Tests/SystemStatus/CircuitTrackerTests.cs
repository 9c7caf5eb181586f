using OpsConsole.Core.SystemStatus;

namespace OpsConsole.Core.Tests.SystemStatus;

public sealed class CircuitTrackerTests
{
    [Fact]
    public void Counts_circuits_per_session_beside_the_total()
    {
        var tracker = new CircuitTracker();

        tracker.Connected("a");
        tracker.Connected("a");
        tracker.Connected("b");
        tracker.Connected(); // a circuit without a session (e.g. a wall display)

        Assert.Equal(4, tracker.Current);
        Assert.Equal(2, tracker.CircuitsOf("a"));
        Assert.Equal(1, tracker.CircuitsOf("b"));

        tracker.Disconnected("a");
        tracker.Disconnected("b");
        tracker.Disconnected("b"); // a stray extra disconnect never goes negative

        Assert.Equal(1, tracker.CircuitsOf("a"));
        Assert.Equal(0, tracker.CircuitsOf("b"));
        Assert.Equal(0, tracker.CircuitsOf("never-seen"));
    }
}
