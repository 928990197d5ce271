// bob-template: drain
// Takes a bob-managed agent offline (temporarily: running builds finish, no new ones start)
// with a reason shown in Jenkins. Refuses nodes bob does not manage.
// Parameters arrive only through BOB_PARAMS (base64 of JSON); this file is never edited at run time.
// Prints exactly one line: BOB_RESULT <json>. No top-level return: python-jenkins appends a marker.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import hudson.model.User
import hudson.slaves.OfflineCause
import jenkins.model.Jenkins

final String BOB_PARAMS = '@@BOB_PARAMS@@'
final String BOB_MARK = 'managed by bob '

def bobRun = { Map p ->
    def node = Jenkins.get().getNode(p.name)
    if (node == null) {
        return [status: 'absent', name: p.name]
    }
    if (!(node.nodeDescription ?: '').startsWith(BOB_MARK)) {
        return [status: 'not-managed', name: p.name]
    }
    def computer = node.toComputer()
    if (computer == null) {
        return [status: 'absent', name: p.name]
    }
    if (computer.temporarilyOffline) {
        return [status: 'already-drained', name: p.name, reason: computer.offlineCauseReason ?: '']
    }
    computer.setTemporarilyOffline(true, new OfflineCause.UserCause(User.current(), p.reason))
    return [status: 'drained', name: p.name, reason: p.reason]
}

def bobParams = new JsonSlurper().parseText(new String(BOB_PARAMS.decodeBase64(), 'UTF-8'))
println('BOB_RESULT ' + JsonOutput.toJson(bobRun(bobParams)))
