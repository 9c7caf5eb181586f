using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Tests.Hosting;

public class PostmasterPidFileTests
{
    // Verbatim layout written by PostgreSQL 15 (TCP only, so the socket directory line is empty).
    private const string Sample = "6105\n/tmp/data/postgres\n1795389095\n34521\n\n127.0.0.1\n 11657959         9\nready   \n";

    [Fact]
    public void Parses_pid_directory_port_status_and_shared_memory_id()
    {
        var info = PostmasterPidFile.Parse(Sample);

        Assert.NotNull(info);
        Assert.Equal(6105, info.ProcessId);
        Assert.Equal("/tmp/data/postgres", info.DataDirectory);
        Assert.Equal(34521, info.Port);
        Assert.Equal("ready", info.Status);
        Assert.Equal(9, info.SharedMemoryId);
    }

    [Fact]
    public void Pid_only_file_parses_without_port()
    {
        var info = PostmasterPidFile.Parse("42\r\n");

        Assert.NotNull(info);
        Assert.Equal(42, info.ProcessId);
        Assert.Null(info.Port);
        Assert.Null(info.SharedMemoryId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("abc\n/data\n")]
    [InlineData("-5\n")]
    [InlineData("0\n")]
    public void Garbage_returns_null(string content)
    {
        Assert.Null(PostmasterPidFile.Parse(content));
    }

    [Theory]
    [InlineData("/usr/lib/postgresql/15/bin/postgres\0-D\0/data/postgres\0", true)]
    [InlineData("/usr/lib/postgresql/15/bin/postgres\0-D\0/data/postgres/\0", true)]
    [InlineData("postgres\0-D/data/postgres\0", true)]
    [InlineData("/usr/lib/postgresql/15/bin/postgres\0-D\0/other/postgres\0", false)]
    [InlineData("/usr/bin/sleep\0-D\0/data/postgres\0", false)]
    [InlineData("postgres: checkpointer \0", false)]
    [InlineData("", false)]
    public void Recognises_postmaster_of_this_cluster(string cmdline, bool expected)
    {
        Assert.Equal(expected, PostmasterPidFile.IsPostmasterFor(cmdline, "/data/postgres"));
    }

    [Fact]
    public void Reads_attach_count_from_proc_sysvipc_shm()
    {
        const string shm =
            "       key      shmid perms                  size  cpid  lpid nattch   uid   gid\n"
            + "  11657959          9   600                    56  6105  6109      3   101   104\n"
            + "  11657960         10   600                    56  6200  6201      0   101   104\n";

        Assert.Equal(3, PostmasterPidFile.SharedMemoryAttachCount(shm, 9));
        Assert.Equal(0, PostmasterPidFile.SharedMemoryAttachCount(shm, 10));
        Assert.Null(PostmasterPidFile.SharedMemoryAttachCount(shm, 11));
    }
}
