from dataclasses import replace

from tui.core.models import ClusterDetail, ClusterSummary, InstanceGroup, Node, status_severity
from tui.core.tables import (
    CLUSTER_COLUMNS,
    NODE_COLUMNS,
    cluster_row,
    format_age,
    node_row,
    row_matcher,
    sort_key,
    status_summary,
)


def node(instance_id, status="Running", group="worker-group-1", message=""):
    return Node(instance_id, group, "ml.p5.48xlarge", status, message, 100.0, "ip-10-1-2-3.us-west-2.compute.internal")


def test_node_row_derives_ip_and_sanitises_text():
    row = node_row(node("i-0123456789abcdef0", message="bad \x1b]52;c;eA==\x07 thing [bold]x[/]"))
    values = dict(zip([c.key for c in NODE_COLUMNS], row.values, strict=True))
    assert values["ip"] == "10.1.2.3"
    assert values["message"] == "bad  thing [bold]x[/]"
    assert values["age"] == 100.0


def test_status_summary_is_worst_first():
    assert status_summary(["Running", "Failure", "Running", "Pending"]) == (
        ("1 Failure", "Failure"),
        ("1 Pending", "Pending"),
        ("2 Running", "Running"),
    )


def test_filter_words_columns_and_negation():
    rows = [
        node_row(node("i-aaa", "Running", "worker-group-1")),
        node_row(node("i-bbb", "Failure", "worker-group-1", "Lifecycle scripts did not run")),
        node_row(node("i-ccc", "Running", "login-group")),
    ]
    keep = lambda q: [r.key for r in rows if row_matcher(q, NODE_COLUMNS)(r)]  # noqa: E731
    assert keep("lifecycle") == ["i-bbb"]
    assert keep("status:fail") == ["i-bbb"]
    assert keep("group:worker !status:fail") == ["i-aaa"]
    assert keep("WORKER running") == ["i-aaa"]
    assert keep("nosuchcolumn:x") == []
    assert row_matcher("   ", NODE_COLUMNS) is None


def test_status_sort_puts_failures_first_and_age_sorts_youngest_first():
    status_index = [c.key for c in NODE_COLUMNS].index("status")
    rows = [node_row(node(f"i-{n}", status)) for n, status in enumerate(["Running", "Failure", "Pending"])]
    ordered = sorted(rows, key=sort_key(NODE_COLUMNS[status_index], status_index))
    assert [r.values[status_index] for r in ordered] == ["Failure", "Pending", "Running"]
    age_index = [c.key for c in CLUSTER_COLUMNS].index("age")
    clusters = [
        cluster_row(ClusterSummary(name, "arn", "InService", created), None, None, None)
        for name, created in (("old", 1.0), ("new", 9.0))
    ]
    assert [r.key for r in sorted(clusters, key=sort_key(CLUSTER_COLUMNS[age_index], age_index))] == ["new", "old"]


def test_cluster_row_falls_back_to_group_counts_before_nodes_are_listed():
    detail = ClusterDetail(
        "c",
        "arn:aws:sagemaker:us-west-2:123456789012:cluster/abcdef123456",
        "InService",
        1.0,
        "",
        "Slurm",
        "",
        "",
        "",
        (InstanceGroup("g1", "ml.m5.large", 2, 3, "InService"), InstanceGroup("g2", "ml.m5.large", 5, 5, "InService")),
    )
    row = cluster_row(ClusterSummary("c", detail.arn, "InService", 1.0), detail, None, None)
    assert row.values[2:4] == ("Slurm", 7)
    # not an empty cell, which would read as "no nodes"; and short of its target it says so first (not healthy)
    assert row.values[4] == (("7 of 8 up", "Pending"), ("not listed yet", None))
    listed = cluster_row(ClusterSummary("c", detail.arn, "InService", 1.0), detail, (("7", "Running"),), 7)
    assert listed.values[3:5] == (7, (("7 of 8 up", "Pending"), ("7", "Running")))
    full = replace(detail, instance_groups=(InstanceGroup("g", "ml.m5.large", 0, 0, "InService"),))
    assert cluster_row(ClusterSummary("c", detail.arn, "InService", 1.0), full, (), 0).values[3:5] == (0, ())


def test_an_in_service_cluster_with_none_of_its_workers_up_is_not_shown_healthy():
    groups = (
        InstanceGroup("ctl", "ml.m5.large", 1, 1, "InService"),
        InstanceGroup("w", "ml.p5.48xlarge", 0, 40, "InService"),
    )
    detail = ClusterDetail("c", "arn", "InService", 1.0, "", "EKS", "", "", "", groups)
    row = cluster_row(ClusterSummary("c", "arn", "InService", 1.0), detail, (("1", "Running"),), 1)
    assert row.values[4][0] == ("1 of 41 up", "Pending")
    assert status_severity(row.values[4][0][1]) < status_severity("Running")  # sorts and colours ahead of healthy


def test_format_age():
    assert [format_age(s) for s in (5, 61, 3600 + 120, 86400 * 3 + 3600 * 4, 86400 * 400)] == [
        "5s",
        "1m",
        "1h2m",
        "3d4h",
        "400d",
    ]


def test_text_sort_keys_order_like_the_value_then_the_key():
    from tui.core.tables import TableRow

    index = [c.key for c in NODE_COLUMNS].index("hostname")
    key = sort_key(NODE_COLUMNS[index], index)

    def row(name, host):
        return TableRow(name, tuple(host if i == index else "" for i in range(len(NODE_COLUMNS))))

    rows = [row("b", "ip-1"), row("a", "ip-10"), row("c", "IP-1"), row("d", "ip-1a")]
    # casefolded value first ("ip-1" < "ip-10" < "ip-1a"), the row key breaks ties
    assert [r.key for r in sorted(rows, key=key)] == ["b", "c", "a", "d"]
