// bob-template: detach
// Removes a bob-managed agent once no executor is busy; a busy agent is left alone and
// reported as busy (callers drain first, then retry until idle or their timeout).
// Parameters arrive only through BOB_PARAMS (base64 of JSON); this file is never edited at run time.
// Prints exactly one line: BOB_RESULT <json>. No top-level return: python-jenkins appends a marker.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import java.nio.charset.StandardCharsets
import java.security.MessageDigest
import jenkins.model.Jenkins

final String BOB_PARAMS = '@@BOB_PARAMS@@'
final String BOB_MARK = 'managed by bob '

// attach approved the agent's launch command in script-security; once no node uses that command
// any more, its approval goes too, so no approved command outlives bob's agents.
def bobForgetApproval = { node ->
    def launcher = node.hasProperty('launcher') ? node.launcher : null
    if (launcher == null || launcher.getClass().name != 'hudson.slaves.CommandLauncher') {
        return
    }
    String command = launcher.command
    def stillUsed = Jenkins.get().nodes.any { other ->
        def l = other.hasProperty('launcher') ? other.launcher : null
        l != null && l.getClass().name == 'hudson.slaves.CommandLauncher' && l.command == command
    }
    if (stillUsed) {
        return
    }
    def approvals = Class.forName('org.jenkinsci.plugins.scriptsecurity.scripts.ScriptApproval', true,
        Jenkins.get().pluginManager.uberClassLoader).get()
    // script-security's hash of a system command: SHA512:hex(sha512("system-command:" + command)).
    def digest = MessageDigest.getInstance('SHA-512')
    digest.update('system-command:'.getBytes(StandardCharsets.UTF_8))
    digest.update(command.getBytes(StandardCharsets.UTF_8))
    String hash = 'SHA512:' + digest.digest().encodeHex().toString()
    def approved = approvals.approvedScriptHashes as List
    if (approved.contains(hash)) {
        approvals.setApprovedScriptHashes((approved - hash) as String[])
        approvals.save()
    }
}

def bobRun = { Map p ->
    def jenkins = Jenkins.get()
    def node = jenkins.getNode(p.name)
    if (node == null) {
        return [status: 'absent', name: p.name]
    }
    if (!(node.nodeDescription ?: '').startsWith(BOB_MARK)) {
        return [status: 'not-managed', name: p.name]
    }
    def computer = node.toComputer()
    int busy = computer == null ? 0 : computer.countBusy()
    if (busy > 0) {
        return [status: 'busy', name: p.name, busy_executors: busy]
    }
    jenkins.removeNode(node)
    bobForgetApproval(node)
    return [status: 'removed', name: p.name]
}

def bobParams = new JsonSlurper().parseText(new String(BOB_PARAMS.decodeBase64(), 'UTF-8'))
println('BOB_RESULT ' + JsonOutput.toJson(bobRun(bobParams)))
