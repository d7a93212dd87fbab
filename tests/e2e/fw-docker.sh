#!/bin/sh
# ftpcfg's iptables backend on a Docker-shaped host: the chains Docker
# makes through iptables-nft (filter DOCKER, DOCKER-USER, DOCKER-FORWARD,
# DOCKER-BRIDGE, DOCKER-CT, DOCKER-ISOLATION-STAGE-1/2, FORWARD policy
# DROP; nat DOCKER from PREROUTING and OUTPUT by addrtype, MASQUERADE;
# raw PREROUTING dropping to the container network), with the
# administrator's INPUT policy DROP and RELATED,ESTABLISHED.  Docker adds
# no INPUT rule.  Its reload: iptables-restore of its own iptables-save.
# See tests/e2e/lib-fw.sh.
# shellcheck disable=SC2317 # cases run through t()
set -eu
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib-fw.sh
. "$(dirname "$0")/lib-fw.sh"
e2e_setup

setup_docker() {
	for tool in iptables ip6tables; do
		ipt="srv $tool -w"
		for c in DOCKER DOCKER-USER DOCKER-FORWARD DOCKER-BRIDGE DOCKER-CT \
			DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2; do
			$ipt -N $c
		done
		$ipt -P FORWARD DROP
		$ipt -A FORWARD -j DOCKER-USER
		$ipt -A FORWARD -j DOCKER-FORWARD
		$ipt -A DOCKER-USER -j RETURN
		$ipt -A DOCKER-FORWARD -j DOCKER-CT
		$ipt -A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1
		$ipt -A DOCKER-FORWARD -j DOCKER-BRIDGE
		$ipt -A DOCKER-FORWARD -i docker0 -j ACCEPT
		$ipt -A DOCKER-BRIDGE -o docker0 -j DOCKER
		$ipt -A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
		$ipt -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
		$ipt -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
		$ipt -A DOCKER ! -i docker0 -o docker0 -j DROP
		$ipt -t nat -N DOCKER
		$ipt -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
		$ipt -t nat -A DOCKER -i docker0 -j RETURN
		# The administrator's own INPUT.
		$ipt -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
		$ipt -A INPUT -i lo -j ACCEPT
		$ipt -P INPUT DROP
	done
	srv iptables -w -t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
	srv iptables -w -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	srv iptables -w -t raw -A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP
	srv ip6tables -w -A INPUT -p ipv6-icmp -j ACCEPT
}

reload_restore() {
	srv iptables-save >"$tmp/saved"
	srv ip6tables-save >"$tmp/saved6"
	srv iptables-restore <"$tmp/saved"
	srv ip6tables-restore <"$tmp/saved6"
}

fw_scenario "Docker-shaped iptables, INPUT policy DROP" iptables-nft setup_docker reload_restore
t "rollback leaves iptables-save as it was before ftpcfg" m_back_to_before rollback
t "apply again" fw_apply
t "remove leaves iptables-save as it was before ftpcfg" m_back_to_before remove
e2e_done fw-docker
