"""Static GLPI data model of the simulator: columns, defaults and search options.

The column lists are copied from the recorded GET answers of GLPI 10.0.12 and
11.0.6, so a simulated row has the same keys, in the same order, as the real one.
"""

from __future__ import annotations

_USER_COMMON_HEAD = (
    "id name password_last_update phone phone2 mobile realname firstname locations_id language "
    "use_mode list_limit is_active comment auths_id "
    "authtype last_login date_mod date_sync is_deleted "
    "profiles_id entities_id usertitles_id "
    "usercategories_id date_format number_format names_format "
    "csv_delimiter is_ids_visible use_flat_dropdowntree use_flat_dropdowntree_on_search_result "
    "show_jobs_at_login priority_1 priority_2 priority_3 priority_4 priority_5 priority_6 "
    "followup_private task_private default_requesttypes_id password_forget_token "
    "password_forget_token_date user_dn user_dn_hash registration_number show_count_on_tabs "
    "refresh_views set_default_tech"
).split()

USER_COLUMNS = {
    "10": _USER_COMMON_HEAD
    + (
        "personal_token_date api_token_date cookie_token_date display_count_on_home "
        "notification_to_myself duedateok_color duedatewarning_color duedatecritical_color "
        "duedatewarning_less duedatecritical_less duedatewarning_unit duedatecritical_unit "
        "display_options is_deleted_ldap pdffont picture begin_date end_date "
        "keep_devices_when_purging_item privatebookmarkorder backcreated task_state palette "
        "page_layout fold_menu fold_search savedsearches_pinned timeline_order itil_layout "
        "richtext_layout set_default_requester lock_autolock_mode lock_directunlock_notification "
        "date_creation highcontrast_css plannings "
        "sync_field groups_id users_id_supervisor timezone "
        "default_dashboard_central default_dashboard_assets default_dashboard_helpdesk "
        "default_dashboard_mini_ticket default_central_tab nickname timeline_action_btn_layout "
        "timeline_date_format"
    ).split(),
    "11": _USER_COMMON_HEAD
    + (
        "set_followup_tech set_solution_tech personal_token_date api_token_date cookie_token_date "
        "display_count_on_home notification_to_myself duedateok_color duedatewarning_color "
        "duedatecritical_color duedatewarning_less duedatecritical_less duedatewarning_unit "
        "duedatecritical_unit is_deleted_ldap pdffont picture begin_date end_date "
        "keep_devices_when_purging_item privatebookmarkorder backcreated task_state "
        "planned_task_state palette page_layout fold_menu savedsearches_pinned timeline_order "
        "itil_layout richtext_layout set_default_requester lock_autolock_mode "
        "lock_directunlock_notification date_creation highcontrast_css "
        "plannings sync_field groups_id "
        "users_id_supervisor timezone default_dashboard_central default_dashboard_assets "
        "default_dashboard_helpdesk default_dashboard_mini_ticket default_central_tab nickname "
        "substitution_end_date substitution_start_date toast_location timeline_action_btn_layout "
        "timeline_date_format 2fa_unenforced is_notif_enable_default show_search_form "
        "search_pagination_on_top"
    ).split(),
}

USER_HIDDEN = ("password", "api_token", "personal_token", "cookie_token", "password_history", "2fa")

_USER_INT_DEFAULTS = {
    "locations_id": 0,
    "use_mode": 0,
    "is_active": 1,
    "auths_id": 0,
    "authtype": 1,
    "is_deleted": 0,
    "profiles_id": 0,
    "entities_id": 0,
    "usertitles_id": 0,
    "usercategories_id": 0,
    "is_deleted_ldap": 0,
    "highcontrast_css": 0,
    "groups_id": 0,
    "users_id_supervisor": 0,
    "default_central_tab": 0,
}


def user_defaults(version: str) -> dict:
    """Return a fresh ``glpi_users`` row with the DB defaults of ``version``."""
    row = {column: None for column in USER_COLUMNS[version]}
    row.update(_USER_INT_DEFAULTS)
    if version == "10":
        row["timeline_action_btn_layout"] = 0
        row["timeline_date_format"] = 0
    else:
        row["2fa_unenforced"] = 0
    row["password"] = None
    row["api_token"] = None
    row["personal_token"] = None
    row["cookie_token"] = None
    return row


def group_defaults(version: str) -> dict:
    """Return a fresh ``glpi_groups`` row."""
    row = {"id": 0, "entities_id": 0, "is_recursive": 0, "name": None}
    if version == "11":
        row["code"] = None
    row.update(
        {
            "comment": None,
            "ldap_field": None,
            "ldap_value": None,
            "ldap_group_dn": None,
            "date_mod": None,
            "groups_id": 0,
            "completename": None,
            "level": 1,
            "ancestors_cache": "[]",
            "sons_cache": None,
            "is_requester": 1,
            "is_watcher": 1,
            "is_assign": 1,
            "is_task": 1,
            "is_notify": 1,
            "is_itemgroup": 1,
            "is_usergroup": 1,
            "is_manager": 1,
            "date_creation": None,
        }
    )
    if version == "11":
        row["recursive_membership"] = 0
        row["2fa_enforced"] = 0
    return row


def entity_defaults() -> dict:
    """Return a fresh ``glpi_entities`` row (only the columns a bridge reads)."""
    return {
        "id": 0,
        "name": None,
        "entities_id": 0,
        "completename": None,
        "comment": None,
        "level": 1,
        "sons_cache": None,
        "ancestors_cache": None,
        "registration_number": None,
        "address": None,
        "postcode": None,
        "town": None,
        "state": None,
        "country": None,
        "website": None,
        "phonenumber": None,
        "fax": None,
        "email": None,
        "admin_email": None,
        "date_mod": None,
        "date_creation": None,
    }


DEFAULTS = {
    "UserEmail": {"id": 0, "users_id": 0, "is_default": 0, "is_dynamic": 0, "email": None},
    "Group_User": {
        "id": 0,
        "users_id": 0,
        "groups_id": 0,
        "is_dynamic": 0,
        "is_manager": 0,
        "is_userdelegate": 0,
    },
    "Profile_User": {
        "id": 0,
        "users_id": 0,
        "profiles_id": 0,
        "entities_id": 0,
        "is_recursive": 1,
        "is_dynamic": 0,
        "is_default_profile": 0,
    },
    "Profile": {
        "id": 0,
        "name": None,
        "interface": "central",
        "is_default": 0,
        "comment": None,
        "date_mod": None,
        "date_creation": None,
    },
    "UserTitle": {"id": 0, "name": None, "comment": None, "date_mod": None, "date_creation": None},
    "UserCategory": {
        "id": 0,
        "name": None,
        "comment": None,
        "date_mod": None,
        "date_creation": None,
    },
}

TABLES = {
    "User": "glpi_users",
    "UserEmail": "glpi_useremails",
    "Group": "glpi_groups",
    "Group_User": "glpi_groups_users",
    "Profile_User": "glpi_profiles_users",
    "Entity": "glpi_entities",
    "Profile": "glpi_profiles",
    "UserTitle": "glpi_usertitles",
    "UserCategory": "glpi_usercategories",
}

ITEMTYPES = tuple(TABLES)

#: Text columns GLPI 10 stores HTML-encoded (``Sanitizer::sanitize``).
TEXT_FIELDS = {
    "User": (
        "name",
        "realname",
        "firstname",
        "phone",
        "phone2",
        "mobile",
        "comment",
        "registration_number",
        "sync_field",
        "user_dn",
        "nickname",
    ),
    "Group": (
        "name",
        "comment",
        "code",
        "completename",
        "ldap_field",
        "ldap_value",
        "ldap_group_dn",
    ),
    "Entity": ("name", "comment", "completename"),
    "UserTitle": ("name", "comment"),
    "UserCategory": ("name", "comment"),
    "UserEmail": (),
    "Group_User": (),
    "Profile_User": (),
    "Profile": ("name", "comment"),
}

#: Link relations GLPI adds to an item's ``links`` (foreign key → itemtype).
FK_LINKS = {
    "entities_id": "Entity",
    "users_id": "User",
    "groups_id": "Group",
    "profiles_id": "Profile",
    "usertitles_id": "UserTitle",
    "usercategories_id": "UserCategory",
}

PROFILES = (
    (1, "Self-Service", "helpdesk", 1),
    (2, "Observer", "central", 0),
    (3, "Admin", "central", 0),
    (4, "Super-Admin", "central", 0),
    (5, "Hotliner", "central", 0),
    (6, "Technician", "central", 0),
    (7, "Supervisor", "central", 0),
    (8, "Read-Only", "central", 0),
)

#: Rights per profile id: (user read, user write, group write, entity/profile admin).
PROFILE_RIGHTS = {
    1: (False, False, False, False),
    2: (True, False, False, False),
    3: (True, True, True, True),
    4: (True, True, True, True),
    5: (True, False, False, False),
    6: (True, True, False, False),
    7: (True, True, True, False),
    8: (True, False, False, False),
}

#: Keys of ``$_SESSION`` that getFullSession returns, per version.
SESSION_KEYS = {
    "10": (
        "MESSAGE_AFTER_REDIRECT glpiID glpi_currenttime glpi_dropdowntranslations glpi_plannings "
        "glpi_tabs glpi_use_mode glpiactive_entity glpiactive_entity_name "
        "glpiactive_entity_recursive glpiactive_entity_shortname glpiactiveentities "
        "glpiactiveentities_string glpiactiveprofile glpiauthtype glpibackcreated glpicrontimer "
        "glpicsv_delimiter glpidate_format glpidefault_central_tab glpidefault_dashboard_assets "
        "glpidefault_dashboard_central glpidefault_dashboard_helpdesk "
        "glpidefault_dashboard_mini_ticket glpidefault_entity glpidefault_requesttypes_id "
        "glpidisplay_count_on_home glpiduedatecritical_color glpiduedatecritical_less "
        "glpiduedatecritical_unit glpiduedateok_color glpiduedatewarning_color "
        "glpiduedatewarning_less glpiduedatewarning_unit glpiextauth glpifirstname glpifold_menu "
        "glpifold_search glpifollowup_private glpifriendlyname glpigroups glpihighcontrast_css "
        "glpiis_ids_visible glpiitil_layout glpikeep_devices_when_purging_item glpilanguage "
        "glpilist_limit glpilock_autolock_mode glpilock_directunlock_notification glpiname "
        "glpinames_format glpinotification_to_myself glpinumber_format glpipage_layout glpipalette "
        "glpiparententities glpiparententities_string glpipdffont glpipluralnumber glpipriority_1 "
        "glpipriority_2 glpipriority_3 glpipriority_4 glpipriority_5 glpipriority_6 glpiprofiles "
        "glpirealname glpirefresh_views glpirichtext_layout glpiroot glpisavedsearches_pinned "
        "glpisearch glpiset_default_requester glpiset_default_tech glpishow_count_on_tabs "
        "glpishow_jobs_at_login glpishowallentities glpitask_private glpitask_state "
        "glpitimeline_action_btn_layout glpitimeline_date_format glpitimeline_order "
        "glpiuse_flat_dropdowntree glpiuse_flat_dropdowntree_on_search_result valid_id "
    ).split(),
    "11": (
        "MESSAGE_AFTER_REDIRECT glpiID glpi_currenttime glpi_dropdowntranslations glpi_plannings "
        "glpi_tabs glpi_use_mode glpiactive_entity glpiactive_entity_name "
        "glpiactive_entity_recursive glpiactive_entity_shortname glpiactiveentities "
        "glpiactiveentities_string glpiactiveprofile glpiauthtype glpibackcreated glpicrontimer "
        "glpicsv_delimiter glpidate_format glpidefault_central_tab glpidefault_dashboard_assets "
        "glpidefault_dashboard_central glpidefault_dashboard_helpdesk "
        "glpidefault_dashboard_mini_ticket glpidefault_entity glpidefault_requesttypes_id "
        "glpidisplay_count_on_home glpiduedatecritical_color glpiduedatecritical_less "
        "glpiduedatecritical_unit glpiduedateok_color glpiduedatewarning_color "
        "glpiduedatewarning_less glpiduedatewarning_unit glpientity_fullstructure glpiextauth "
        "glpifirstname glpifold_menu glpifollowup_private glpifriendlyname glpigroups "
        "glpigroups_cache_date glpihighcontrast_css glpiis_ids_visible glpiis_notif_enable_default "
        "glpiisrtl glpiitil_layout glpikeep_devices_when_purging_item glpilanguage glpilist_limit "
        "glpilock_autolock_mode glpilock_directunlock_notification glpiname glpinames_format "
        "glpinotification_to_myself glpinumber_format glpipage_layout glpipalette "
        "glpiparententities glpiparententities_string glpipdffont glpiplanned_task_state "
        "glpipluralnumber glpipriority_1 glpipriority_2 glpipriority_3 glpipriority_4 "
        "glpipriority_5 glpipriority_6 glpiprofiles glpirealname glpirefresh_views "
        "glpirichtext_layout glpisavedsearches_pinned glpisearch glpisearch_pagination_on_top "
        "glpiset_default_requester glpiset_default_tech "
        "glpiset_followup_tech glpiset_solution_tech "
        "glpishow_count_on_tabs glpishow_jobs_at_login glpishow_search_form glpishowallentities "
        "glpitask_private glpitask_state glpitimeline_action_btn_layout glpitimeline_date_format "
        "glpitimeline_order glpitimezone glpitoast_location glpiuse_flat_dropdowntree "
        "glpiuse_flat_dropdowntree_on_search_result valid_id "
    ).split(),
}

#: Session values that do not depend on the user (as a fresh install has them).
SESSION_CONSTANTS = {
    "glpi_use_mode": 0,
    "glpiauthtype": 1,
    "glpibackcreated": "0",
    "glpicsv_delimiter": ";",
    "glpidate_format": "0",
    "glpidefault_central_tab": "0",
    "glpidefault_dashboard_assets": "assets",
    "glpidefault_dashboard_central": "central",
    "glpidefault_dashboard_helpdesk": "assistance",
    "glpidefault_dashboard_mini_ticket": "mini_tickets",
    "glpidefault_requesttypes_id": "1",
    "glpidisplay_count_on_home": "5",
    "glpiduedatecritical_color": "#ff0000",
    "glpiduedatecritical_less": "5",
    "glpiduedatecritical_unit": "%",
    "glpiduedateok_color": "#06ff00",
    "glpiduedatewarning_color": "#ffb800",
    "glpiduedatewarning_less": "20",
    "glpiduedatewarning_unit": "%",
    "glpiextauth": 1,
    "glpifold_menu": "0",
    "glpifold_search": "0",
    "glpifollowup_private": "0",
    "glpigroups": [],
    "glpihighcontrast_css": "0",
    "glpiis_ids_visible": "0",
    "glpiitil_layout": "",
    "glpikeep_devices_when_purging_item": "0",
    "glpilock_autolock_mode": "1",
    "glpilock_directunlock_notification": "0",
    "glpinames_format": "0",
    "glpinotification_to_myself": "1",
    "glpinumber_format": "0",
    "glpipage_layout": "vertical",
    "glpipalette": "auror",
    "glpiparententities": [],
    "glpiparententities_string": "",
    "glpipdffont": "dejavusans",
    "glpipluralnumber": 2,
    "glpipriority_1": "#fff2f2",
    "glpipriority_2": "#ffe0e0",
    "glpipriority_3": "#ffcece",
    "glpipriority_4": "#ffbfbf",
    "glpipriority_5": "#ffadad",
    "glpipriority_6": "#ff5555",
    "glpirefresh_views": "0",
    "glpirichtext_layout": "classic",
    "glpiroot": "",
    "glpisavedsearches_pinned": "0",
    "glpiset_default_requester": "1",
    "glpiset_default_tech": "1",
    "glpishow_count_on_tabs": "1",
    "glpishow_jobs_at_login": "0",
    "glpitask_private": "0",
    "glpitask_state": "1",
    "glpitimeline_action_btn_layout": "0",
    "glpitimeline_date_format": "0",
    "glpitimeline_order": "natural",
    "glpiuse_flat_dropdowntree": "0",
    "glpiuse_flat_dropdowntree_on_search_result": "1",
    "glpientity_fullstructure": False,
    "glpiis_notif_enable_default": "1",
    "glpiisrtl": False,
    "glpiplanned_task_state": "1",
    "glpisearch_pagination_on_top": "0",
    "glpiset_followup_tech": "0",
    "glpiset_solution_tech": "0",
    "glpishow_search_form": "0",
    "glpitimezone": "0",
    "glpitoast_location": "bottom-right",
}
